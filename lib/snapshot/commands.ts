/**
 * Snapshot command builders: pure functions that return argv arrays (Kamal style).
 * Nothing here runs anything; the script layer hands each array to zx or puts it
 * in the `ssh … bash -s` script, where zx quotes every element.
 *
 * Listing btrfs snapshots: we list the snapshot directory
 * (`find <dir> -mindepth 1 -maxdepth 1 -type d -printf '%f\n'`) instead of
 * `btrfs subvolume list -o -s`. The names carry their time (names.ts), so the
 * directory listing is all the planner needs, and it is robust: `subvolume
 * list` prints paths relative to the top-level subvolume (not to the mount
 * point, so they change with how the disk is mounted), prints `otime` in the
 * host's local time, and has changed its columns between btrfs-progs versions.
 * A stray plain directory that happens to match our name pattern would make
 * `btrfs subvolume delete` fail loudly, which is the safe failure.
 */
import { SnapshotError } from './errors.ts'

export type SnapshotTarget =
  | {
      backend: 'btrfs'
      /** The subvolume to snapshot, e.g. /srv/ktrdr-shared. */
      source: string
      /** Where read-only snapshots go, on the same btrfs file system, e.g. /srv/.snapshots/ktrdr-shared. */
      snapshotDir: string
    }
  | {
      backend: 'zfs'
      /** e.g. tank/ktrdr-shared */
      dataset: string
      /** The dataset's mount point; only needed to rsync a snapshot's files (.zfs/snapshot/<name>). */
      mountpoint?: string
    }

/** A ZFS component without `@`, `%`, `/` or a leading `-`; also a safe btrfs name. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/
const DATASET_RE = /^[A-Za-z][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/

export function assertSnapshotName(name: string, field = 'name'): void {
  // `%` would make `zfs destroy ds@a%b` destroy a range; `/` or `..` would escape the snapshot dir.
  if (!NAME_RE.test(name)) {
    throw new SnapshotError(
      field,
      `should be a snapshot name like ktrdr-2026-11-27T12-00-00Z, found ${JSON.stringify(name)}`,
    )
  }
}

function absPath(path: string, field: string): string {
  if (!path.startsWith('/') || path.includes('\n') || path.split('/').some((p) => p === '..')) {
    throw new SnapshotError(field, `should be an absolute path without '..', found ${JSON.stringify(path)}`)
  }
  const trimmed = path.replace(/\/+$/, '')
  if (trimmed === '') throw new SnapshotError(field, 'should not be the root directory /')
  return trimmed
}

function dataset(name: string, field = 'dataset'): string {
  if (!DATASET_RE.test(name)) {
    throw new SnapshotError(
      field,
      `should be a ZFS dataset like tank/ktrdr-shared (no leading '/', no '@'), found ${JSON.stringify(name)}`,
    )
  }
  return name
}

/** `<snapshotDir>/<name>` for btrfs, `<dataset>@<name>` for ZFS. */
export function snapshotRef(target: SnapshotTarget, name: string): string {
  assertSnapshotName(name)
  return target.backend === 'btrfs'
    ? `${absPath(target.snapshotDir, 'snapshotDir')}/${name}`
    : `${dataset(target.dataset)}@${name}`
}

/** Where a snapshot's files can be read, for rsync. */
export function snapshotFilesPath(target: SnapshotTarget, name: string): string {
  if (target.backend === 'btrfs') return snapshotRef(target, name)
  assertSnapshotName(name)
  if (target.mountpoint === undefined) {
    throw new SnapshotError(
      'mountpoint',
      `is needed to copy ZFS snapshot files; set it to the mount point of ${target.dataset} ` +
        `(zfs get -H -o value mountpoint ${target.dataset})`,
    )
  }
  return `${absPath(target.mountpoint, 'mountpoint')}/.zfs/snapshot/${name}`
}

export function createSnapshot(target: SnapshotTarget, name: string): string[] {
  return target.backend === 'btrfs'
    ? ['btrfs', 'subvolume', 'snapshot', '-r', absPath(target.source, 'source'), snapshotRef(target, name)]
    : ['zfs', 'snapshot', snapshotRef(target, name)]
}

/**
 * btrfs: one directory name per line. ZFS: `<dataset>@<name>\t<creation epoch seconds>`
 * per line, oldest first (parse with parseZfsSnapshotList).
 */
export function listSnapshots(target: SnapshotTarget): string[] {
  return target.backend === 'btrfs'
    ? [
        'find',
        absPath(target.snapshotDir, 'snapshotDir'),
        '-mindepth',
        '1',
        '-maxdepth',
        '1',
        '-type',
        'd',
        '-printf',
        '%f\\n',
      ]
    : [
        'zfs',
        'list',
        '-H',
        '-p',
        '-t',
        'snapshot',
        '-o',
        'name,creation',
        '-s',
        'creation',
        '-d',
        '1',
        dataset(target.dataset),
      ]
}

export function deleteSnapshot(target: SnapshotTarget, name: string): string[] {
  return target.backend === 'btrfs'
    ? ['btrfs', 'subvolume', 'delete', snapshotRef(target, name)]
    : ['zfs', 'destroy', snapshotRef(target, name)]
}
