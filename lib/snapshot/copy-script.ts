// The two remote scripts of `make snapshot-copy`: list both sides, then send the newest snapshot.
import { mark } from '../deploy/steps.ts'
import { sh } from '../remote/script.ts'
import type { ScriptParts } from '../remote/script.ts'
import { listSnapshots, snapshotRef, type SnapshotTarget } from './commands.ts'
import { rsyncSnapshot, sendSnapshot } from './copy.ts'
import type { CopyDest, CopyPlan } from './copy-plan.ts'
import { listLines, lockLines, preflightLines } from './scripts.ts'

/** The same target shape, pointed at the destination, so the list builder can be reused there. */
export function destTarget(t: SnapshotTarget, dest: string): SnapshotTarget {
  return t.backend === 'btrfs'
    ? { backend: 'btrfs', source: dest, snapshotDir: dest }
    : { backend: 'zfs', dataset: dest }
}

/** Source snapshots, destination snapshots (none when it does not exist yet) and, for ZFS + rsync, the mount point. */
export function copyListScript(t: SnapshotTarget, dest: CopyDest): ScriptParts {
  const atDest =
    dest.kind === 'receive'
      ? t.backend === 'btrfs'
        ? listLines(destTarget(t, dest.dest), 'dest')
        : [
            mark('section', 'dest'),
            `${sh(listSnapshots(destTarget(t, dest.dest)))} 2>/dev/null || true`,
            mark('section', 'end'),
          ]
      : []
  const mountpoint =
    t.backend === 'zfs' && dest.kind === 'rsync'
      ? [`echo "::ktrdr mountpoint $(${sh(['zfs', 'get', '-H', '-o', 'value', 'mountpoint', t.dataset])})"`]
      : []
  return {
    body: [`echo "::ktrdr now $(date -u +%s)"`, ...preflightLines(t), ...listLines(t), ...atDest, ...mountpoint],
  }
}

export function copyScript(t: SnapshotTarget, dest: CopyDest, plan: CopyPlan, owner: string): ScriptParts {
  const lines = [...preflightLines(t), ...lockLines(t, 'shared', owner), mark('step', 'copy')]
  if (dest.kind === 'rsync') {
    const local = dest.dest.startsWith('/') ? [sh(['mkdir', '-p', dest.dest])] : []
    lines.push(
      `command -v rsync >/dev/null || ${`{ ${mark('missing', 'rsync is not installed on this host (apt install rsync)')}; exit 1; }`}`,
      ...local,
      `if ! ${sh(rsyncSnapshot(t, plan.name, dest.dest))}; then ${mark('copy-failed', `rsync to ${dest.dest}`)}; exit 1; fi`,
    )
  } else if (t.backend === 'btrfs') {
    const { send, receive } = sendSnapshot(t, { name: plan.name, parent: plan.parent, dest: dest.dest })
    const received = snapshotRef(destTarget(t, dest.dest), plan.name)
    lines.push(
      sh(['mkdir', '-p', dest.dest]),
      `[ "$(stat -f -c %T ${sh([dest.dest])})" = btrfs ] || { ${mark('missing', `${dest.dest} is not on a btrfs file system (btrfs receive needs one; use rsync:${dest.dest} for any other)`)}; exit 1; }`,
      // A failed receive leaves a partial, writable subvolume: remove it so the next run starts clean.
      `if ! { ${sh(send)} | ${sh(receive)} >/dev/null; }; then if [ -d ${sh([received])} ]; then btrfs subvolume delete ${sh([received])} >/dev/null || true; fi; ${mark('copy-failed', 'btrfs send | btrfs receive')}; exit 1; fi`,
      `[ "$(btrfs property get -ts ${sh([received])} ro)" = ro=true ] || { ${mark('copy-failed', `${received} is not read-only after receive`)}; exit 1; }`,
    )
  } else {
    const { send, receive } = sendSnapshot(t, { name: plan.name, parent: plan.parent, dest: dest.dest })
    lines.push(
      `if ! { ${sh(send)} | ${sh(receive)}; }; then ${mark('copy-failed', 'zfs send | zfs receive')}; exit 1; fi`,
    )
  }
  lines.push(
    mark(
      'copied',
      `${plan.name}${plan.parent ? ` incremental from ${plan.parent}` : dest.kind === 'rsync' ? '' : ' full'}`,
    ),
  )
  return { body: lines, watchStdin: true }
}
