/**
 * Builders for the optional off-host copy of a snapshot (design §8.3: USB disk,
 * NAS). Pure: they return argv arrays, nothing runs here.
 *
 * Send/receive returns both halves of a pipe. The caller runs them as
 * `send | receive` under `set -o pipefail` (the stdin script of the SSH layer
 * already starts with `set -euo pipefail`), the receive half locally or on
 * another host.
 */
import { SnapshotError } from './errors.ts'
import { assertSnapshotName, snapshotFilesPath, snapshotRef, type SnapshotTarget } from './commands.ts'

export interface SendReceive {
  send: string[]
  receive: string[]
}

export interface SendOptions {
  /** Snapshot to send. */
  name: string
  /** An older snapshot present on both sides; makes the stream incremental. */
  parent?: string
  /** btrfs: a directory on the receiving btrfs file system. ZFS: the dataset to receive into. */
  dest: string
}

const DEST_DATASET_RE = /^[A-Za-z][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/
/** An absolute local path, or rsync's `[user@]host:/path`. */
const RSYNC_DEST_RE = /^(?:(?:[A-Za-z0-9_.-]+@)?[A-Za-z0-9_.-]+:)?\/[^\n]*[^/\n][^\n]*$/

export function sendSnapshot(target: SnapshotTarget, opts: SendOptions): SendReceive {
  assertSnapshotName(opts.name)
  if (opts.parent !== undefined) assertSnapshotName(opts.parent, 'parent')
  if (target.backend === 'btrfs') {
    if (!opts.dest.startsWith('/') || opts.dest.replace(/\/+$/, '') === '') {
      throw new SnapshotError(
        'dest',
        `should be an absolute directory on the receiving btrfs, found ${JSON.stringify(opts.dest)}`,
      )
    }
    const parent = opts.parent === undefined ? [] : ['-p', snapshotRef(target, opts.parent)]
    return {
      send: ['btrfs', 'send', ...parent, snapshotRef(target, opts.name)],
      receive: ['btrfs', 'receive', opts.dest.replace(/\/+$/, '')],
    }
  }
  if (!DEST_DATASET_RE.test(opts.dest)) {
    throw new SnapshotError(
      'dest',
      `should be the ZFS dataset to receive into, like backup/ktrdr-shared, found ${JSON.stringify(opts.dest)}`,
    )
  }
  // `-i @prev` is zfs send's shorthand for <same dataset>@prev.
  const parent = opts.parent === undefined ? [] : ['-i', `@${opts.parent}`]
  return {
    send: ['zfs', 'send', ...parent, snapshotRef(target, opts.name)],
    // -F rolls the target back to its newest snapshot first, undoing stray
    // writes there. Without `send -R` it destroys no snapshots on the target.
    receive: ['zfs', 'receive', '-F', opts.dest],
  }
}

/**
 * A plain file copy of one snapshot: `rsync -a --delete <snapshot files>/ <dest>/`.
 * The trailing slashes copy the snapshot's contents into dest, not a
 * subdirectory. `--delete` makes dest an exact mirror, so dest must not be `/`.
 */
export function rsyncSnapshot(target: SnapshotTarget, name: string, dest: string): string[] {
  if (!RSYNC_DEST_RE.test(dest) || dest.split('/').includes('..')) {
    throw new SnapshotError(
      'dest',
      `should be an absolute path or host:/path other than /, without '..', found ${JSON.stringify(dest)}`,
    )
  }
  return ['rsync', '-a', '--delete', `${snapshotFilesPath(target, name)}/`, `${dest.replace(/\/+$/, '')}/`]
}
