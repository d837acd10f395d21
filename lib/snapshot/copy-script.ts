// The two remote scripts of `make snapshot-copy`: list both sides, then send the newest snapshot.
import { type ScriptParts, sh } from '../job/render.ts'
import { listSnapshots, snapshotRef, type SnapshotTarget } from './commands.ts'
import { rsyncSnapshot, sendSnapshot } from './copy.ts'
import type { CopyDest, CopyPlan } from './copy-plan.ts'
import { listLines, lockLines, SNAPSHOT_LIB, targetVars } from './scripts.ts'

/** The same target shape, pointed at the destination, so the list builder can be reused there. */
export function destTarget(t: SnapshotTarget, dest: string): SnapshotTarget {
  return t.backend === 'btrfs'
    ? { backend: 'btrfs', source: dest, snapshotDir: dest }
    : { backend: 'zfs', dataset: dest }
}

/** The snapshots received at a destination, in section `dest` (none when it does not exist yet; rsync: none). */
export function destListLines(t: SnapshotTarget, dest: CopyDest): string[] {
  if (dest.kind !== 'receive') return []
  return t.backend === 'btrfs'
    ? listLines(destTarget(t, dest.dest), 'dest')
    : [
        'ktrdr_event section dest',
        `${sh(listSnapshots(destTarget(t, dest.dest)))} 2>/dev/null || true`,
        'ktrdr_event section end',
      ]
}

/** Source snapshots, destination snapshots (none when it does not exist yet) and, for ZFS + rsync, the mount point. */
export function copyListScript(t: SnapshotTarget, dest: CopyDest): ScriptParts {
  const atDest = destListLines(t, dest)
  const mountpoint =
    t.backend === 'zfs' && dest.kind === 'rsync'
      ? [`ktrdr_event mountpoint "$(${sh(['zfs', 'get', '-H', '-o', 'value', 'mountpoint', t.dataset])})"`]
      : []
  return {
    lib: SNAPSHOT_LIB,
    body: [...targetVars(t), 'snap_now', 'snap_preflight', ...listLines(t), ...atDest, ...mountpoint],
  }
}

export function copyScript(t: SnapshotTarget, dest: CopyDest, plan: CopyPlan, owner: string): ScriptParts {
  const body = [...targetVars(t), 'snap_preflight', ...lockLines('snapshot-copy', owner), 'ktrdr_event step copy']
  if (dest.kind === 'rsync') body.push(`copy_rsync ${sh([dest.dest, ...rsyncSnapshot(t, plan.name, dest.dest)])}`)
  else {
    const { send, receive } = sendSnapshot(t, { name: plan.name, parent: plan.parent, dest: dest.dest })
    const received = t.backend === 'btrfs' ? snapshotRef(destTarget(t, dest.dest), plan.name) : ''
    body.push(`copy_send ${sh([dest.dest, received, '--', ...send, '--', ...receive])}`)
  }
  const how = plan.parent ? ` incremental from ${plan.parent}` : dest.kind === 'rsync' ? '' : ' full'
  body.push(`ktrdr_event copied ${sh([`${plan.name}${how}`])}`)
  return { lib: SNAPSHOT_LIB, body, watchStdin: true }
}
