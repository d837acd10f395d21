// The remote scripts of the snapshot jobs, as shell lines: every command comes from an argv builder
// (commands.ts, copy.ts) quoted by sh(); they run in one `bash -s` session each (lib/remote/script.ts) and
// report with `::ktrdr <event> <detail>` lines (lib/deploy/steps.ts mark()).
import { mark } from '../deploy/steps.ts'
import { sh } from '../remote/script.ts'
import type { ScriptParts } from '../remote/script.ts'
import { createSnapshot, deleteSnapshot, listSnapshots, snapshotRef, type SnapshotTarget } from './commands.ts'

export const LOCK_BUSY_EXIT = 75
/** How long a job waits for another one's lock (a prune takes seconds; a long copy holds a shared lock). */
export const LOCK_WAIT_S = 30

const fail = (event: string, detail: string) => `{ ${mark(event, detail)}; exit 1; }`

/** Is the tool there, and is the thing we snapshot there? */
export function preflightLines(t: SnapshotTarget): string[] {
  if (t.backend === 'btrfs') {
    return [
      `command -v btrfs >/dev/null || ${fail('missing', 'btrfs is not installed on this host (apt install btrfs-progs)')}`,
      // Not btrfs at all is the bad-day case (the export's disk did not mount): say so, not "create a subvolume".
      `if ! btrfs subvolume show ${sh([t.source])} >/dev/null 2>&1; then`,
      `  if [ "$(stat -f -c %T ${sh([t.source])} 2>/dev/null)" != btrfs ]; then ${fail('missing', `${t.source} is not on a btrfs file system: is the export's file system mounted? (mount it, then run this again; docs/snapshots.md)`)}; fi`,
      `  ${fail('missing', `${t.source} is not a btrfs subvolume (create it with: btrfs subvolume create ${t.source}, then move the data in)`)}`,
      'fi',
    ]
  }
  return [
    `command -v zfs >/dev/null || ${fail('missing', 'zfs is not installed on this host (apt install zfsutils-linux)')}`,
    `zfs list -H -o name ${sh([t.dataset])} >/dev/null 2>&1 || ${fail('missing', `ZFS dataset ${t.dataset} does not exist (zfs list shows the datasets)`)}`,
  ]
}

/** btrfs: in the snapshot directory (one lock per target, next to what it guards); ZFS: in /run/lock. */
export function lockPath(t: SnapshotTarget): string {
  return t.backend === 'btrfs'
    ? `${t.snapshotDir}/.ktrdr-snapshot.lock`
    : `/run/lock/ktrdr-snapshot-${t.dataset.replace(/\//g, '_')}.lock`
}

/**
 * flock(1) on fd 9: the kernel drops the lock when the shell exits however it exits (SIGKILL and power loss
 * included), so an unattended hourly timer can never be stopped by a stale lock. Create and copy share the
 * lock; prune takes it alone. The file names the last holder, for the "locked by" message.
 */
export function lockLines(t: SnapshotTarget, mode: 'shared' | 'exclusive', owner: string): string[] {
  const path = lockPath(t)
  return [
    mark('step', 'lock'),
    `exec 9>>${sh([path])}`,
    `if ! flock ${mode === 'shared' ? '-s' : '-x'} -w ${LOCK_WAIT_S} 9; then echo "::ktrdr locked $(head -n1 ${sh([path])} 2>/dev/null || echo unknown)"; exit ${LOCK_BUSY_EXIT}; fi`,
    `printf '%s\\n' ${sh([`${owner} (${mode})`])} > ${sh([path])}`,
  ]
}

/** The names in the snapshot directory (btrfs) or `dataset@name<TAB>creation` lines (ZFS), after a section marker. */
export function listLines(t: SnapshotTarget, section = 'snapshots'): string[] {
  const list = sh(listSnapshots(t))
  return [
    mark('section', section),
    t.backend === 'btrfs' ? `if [ -d ${sh([t.snapshotDir])} ]; then ${list}; fi` : list,
    mark('section', 'end'),
  ]
}

/** Read-only: the host's clock (for "now" unless --now is given) and the snapshot list. */
export function listScript(t: SnapshotTarget): ScriptParts {
  return { body: [`echo "::ktrdr now $(date -u +%s)"`, ...listLines(t)] }
}

export function createScript(t: SnapshotTarget, name: string, owner: string): ScriptParts {
  const ref = snapshotRef(t, name)
  const exists = t.backend === 'btrfs' ? `[ -e ${sh([ref])} ]` : `zfs list -H -o name ${sh([ref])} >/dev/null 2>&1`
  const verify =
    t.backend === 'btrfs'
      ? [
          // A snapshot that is not read-only is not a backup: remove it and fail (the rollback of this task).
          `if [ "$(btrfs property get -ts ${sh([ref])} ro)" != ro=true ]; then ${sh(deleteSnapshot(t, name))} >/dev/null; ${mark('not-readonly', ref)}; exit 1; fi`,
        ]
      : [] // ZFS snapshots are read-only by definition.
  return {
    body: [
      mark('step', 'preflight'),
      ...preflightLines(t),
      ...(t.backend === 'btrfs' ? [sh(['mkdir', '-p', t.snapshotDir])] : []),
      ...lockLines(t, 'shared', owner),
      `if ${exists}; then ${mark('exists', ref)}; exit 1; fi`,
      mark('step', 'create'),
      `${sh(createSnapshot(t, name))} >/dev/null`,
      ...verify,
      mark('created', ref),
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
  const names_ = t.backend === 'btrfs' ? sh(listSnapshots(t)) : `${sh(listSnapshots(t))} | cut -f1 | sed 's/^[^@]*@//'`
  return {
    body: [
      ...(t.backend === 'zfs'
        ? preflightLines(t)
        : [`[ -d ${sh([t.snapshotDir])} ] || { ${mark('nothing', 'no snapshot directory')}; exit 0; }`]),
      ...lockLines(t, 'exclusive', owner),
      `newest=$(${names_} | { grep -E ${sh([ownNameRegex(prefix)])} || true; } | LC_ALL=C sort | tail -n 1)`,
      mark('step', 'delete'),
      ...names.flatMap((name) => {
        const ref = snapshotRef(t, name)
        const exists =
          t.backend === 'btrfs' ? `[ -d ${sh([ref])} ]` : `zfs list -H -o name ${sh([ref])} >/dev/null 2>&1`
        return [
          `if [ ${sh([name])} = "$newest" ]; then ${mark('refused-newest', name)}; exit 1; fi`,
          `if ${exists}; then ${sh(deleteSnapshot(t, name))} >/dev/null; ${mark('deleted', name)}; else ${mark('gone', name)}; fi`,
        ]
      }),
    ],
    watchStdin: true,
  }
}
