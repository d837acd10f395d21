// The optional off-host copy (design §8.3: USB disk, NAS): what `copy_to:` means, and which snapshot to send
// with which parent. Pure; copy-script.ts turns the plan into shell lines.
import { ConfigError, OpsError } from '../errors.ts'
import type { SnapshotTarget } from './commands.ts'
import type { SnapshotRef } from './retention.ts'

/**
 * `copy_to:` forms:
 *   /mnt/usb/ktrdr           btrfs: a directory on another btrfs file system → btrfs send | btrfs receive
 *   backup/ktrdr-shared      zfs: a dataset on another pool → zfs send | zfs receive -F
 *   nas:/volume1/ktrdr       any backend: rsync over SSH from the core node (its ssh config and keys)
 *   rsync:/mnt/usb/ktrdr     any backend: rsync into a local directory on any file system
 */
export type CopyDest = { kind: 'receive'; dest: string } | { kind: 'rsync'; dest: string }

const REMOTE_RE = /^(?:[A-Za-z0-9_.-]+@)?[A-Za-z0-9_.-]+:\//

export function parseCopyTo(t: SnapshotTarget, copyTo: string, file: string): CopyDest {
  const bad = (message: string, fix: string) => new ConfigError([{ file, path: 'snapshots.copy_to', message, fix }])
  if (copyTo.startsWith('rsync:')) {
    const dest = copyTo.slice('rsync:'.length)
    if (!dest.startsWith('/'))
      throw bad(
        `rsync: needs an absolute path after it, found ${JSON.stringify(copyTo)}`,
        'write rsync:/mnt/usb/ktrdr-shared',
      )
    return { kind: 'rsync', dest }
  }
  if (REMOTE_RE.test(copyTo)) return { kind: 'rsync', dest: copyTo }
  if (t.backend === 'btrfs') {
    if (!copyTo.startsWith('/'))
      throw bad(
        `should be a directory on another btrfs file system (/mnt/usb/ktrdr), host:/path or rsync:/path, ` +
          `found ${JSON.stringify(copyTo)}`,
        'see docs/snapshots.md, "Copy to a second disk or host"',
      )
    return { kind: 'receive', dest: copyTo.replace(/\/+$/, '') }
  }
  if (copyTo.startsWith('/')) return { kind: 'rsync', dest: copyTo }
  return { kind: 'receive', dest: copyTo }
}

export interface CopyPlan {
  name: string
  /** Incremental base, present on both sides (send/receive only). */
  parent?: string
  /** The newest snapshot is already at the destination: nothing to do. */
  upToDate: boolean
}

const byTimeDesc = (a: SnapshotRef, b: SnapshotRef) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : -1)

/**
 * Send the newest snapshot. btrfs: the parent is the newest snapshot both sides have (any common one makes
 * a valid incremental stream). ZFS: an incremental stream only applies on top of the destination's newest
 * snapshot, so that one must exist here too; otherwise say so rather than overwrite.
 */
export function planCopy(t: SnapshotTarget, dest: CopyDest, source: SnapshotRef[], atDest: SnapshotRef[]): CopyPlan {
  const newest = [...source].sort(byTimeDesc)[0]
  if (!newest) throw new OpsError('there is no snapshot to copy yet', { hint: 'make one first: make snapshot' })
  if (dest.kind === 'rsync') return { name: newest.name, upToDate: false }
  const destNames = new Set(atDest.map((s) => s.name))
  if (destNames.has(newest.name)) return { name: newest.name, upToDate: true }
  const here = new Set(source.map((s) => s.name))
  const older = (s: SnapshotRef) => s.time.getTime() < newest.time.getTime()
  if (t.backend === 'btrfs') {
    const parent = [...source].sort(byTimeDesc).find((s) => older(s) && destNames.has(s.name))
    return { name: newest.name, parent: parent?.name, upToDate: false }
  }
  const destNewest = [...atDest].sort(byTimeDesc)[0]
  if (!destNewest) return { name: newest.name, upToDate: false }
  if (!here.has(destNewest.name) || !older(destNewest)) {
    throw new OpsError(
      `cannot send incrementally to ${dest.dest}: its newest snapshot ${destNewest.name} ` +
        `is not an older snapshot of ${t.backend === 'zfs' ? t.dataset : ''} here`,
      {
        hint:
          `roll ${dest.dest} back to a snapshot both sides have (zfs rollback -r ${dest.dest}@<name>), ` +
          `or destroy it for a full copy`,
      },
    )
  }
  return { name: newest.name, parent: destNewest.name, upToDate: false }
}
