// The remote scripts of the snapshot jobs as data: lib/snapshot/snapshot.sh's functions, the variables bound
// for them, and each command as an argv from the builders (commands.ts, copy.ts) quoted by sh().
import { lockLines as takeLocks, LOCKS } from '../job/lock.ts'
import { bind, type ScriptParts, sh } from '../job/render.ts'
import { createSnapshot, deleteSnapshot, listSnapshots, snapshotRef, type SnapshotTarget } from './commands.ts'

export const SNAPSHOT_LIB = ['job/lock.sh', 'snapshot/snapshot.sh'] as const

/** What every snapshot script is given: the backend and what it snapshots, and how to list what exists. */
export function targetVars(t: SnapshotTarget): string[] {
  return bind({
    backend: t.backend,
    source: t.backend === 'btrfs' ? t.source : '',
    snapshot_dir: t.backend === 'btrfs' ? t.snapshotDir : '',
    dataset: t.backend === 'zfs' ? t.dataset : '',
    list_cmd: listSnapshots(t),
  })
}

/** The lock a snapshot job takes (lib/job/lock.ts): create and copy share it, prune takes it alone. */
export function lockLines(job: 'snapshot' | 'snapshot-copy' | 'snapshot-prune', owner: string): string[] {
  return takeLocks(LOCKS[job], owner)
}

/** The listing of `t` between section markers (snapshot.sh's snap_list). */
export function listLines(t: SnapshotTarget, section = 'snapshots'): string[] {
  return [`snap_list ${sh([section, t.backend === 'btrfs' ? t.snapshotDir : '', ...listSnapshots(t)])}`]
}

/** Read-only: the host's clock (for "now" unless --now is given) and the snapshot list. */
export function listScript(t: SnapshotTarget): ScriptParts {
  return { lib: SNAPSHOT_LIB, body: [...targetVars(t), 'snap_now', ...listLines(t)] }
}

export function createScript(t: SnapshotTarget, name: string, owner: string): ScriptParts {
  const ref = snapshotRef(t, name)
  return {
    lib: SNAPSHOT_LIB,
    body: [
      ...targetVars(t),
      'ktrdr_event step preflight',
      'snap_preflight',
      ...(t.backend === 'btrfs' ? [sh(['mkdir', '-p', t.snapshotDir])] : []),
      ...lockLines('snapshot', owner),
      `snap_create ${sh([ref, '--', ...createSnapshot(t, name), '--', ...deleteSnapshot(t, name)])}`,
    ],
    watchStdin: true,
  }
}

/** The shell pattern of our own names (prefix-YYYY-MM-DDTHH-MM-SSZ), for the newest-snapshot guard. */
export function ownNameRegex(prefix: string): string {
  return `^${prefix.replace(/[.]/g, '\\.')}-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$`
}

/**
 * Delete the planned snapshots under the exclusive lock. The planner never removes the newest snapshot; the
 * host checks it again against what exists now (names sort by time), so a plan made from a stale list
 * cannot remove the newest one either. A snapshot already gone is reported, not an error.
 */
export function deleteScript(t: SnapshotTarget, names: string[], prefix: string, owner: string): ScriptParts {
  return {
    lib: SNAPSHOT_LIB,
    body: [
      ...targetVars(t),
      ...bind({ own_re: ownNameRegex(prefix) }),
      'snap_nothing_to_delete',
      ...lockLines('snapshot-prune', owner),
      'snap_newest',
      ...names.map((name) => `snap_delete ${sh([name, snapshotRef(t, name), ...deleteSnapshot(t, name)])}`),
    ],
    watchStdin: true,
  }
}
