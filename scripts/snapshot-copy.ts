// snapshot-copy — copy the newest snapshot to a second disk or host (snapshots.copy_to, or --to): btrfs
// send/receive or zfs send/receive, incremental from the newest snapshot both sides have; or rsync. The copies
// received there are then pruned by the same policy (snapshots.keep), never the newest: it is the next parent.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { OpsError } from '../lib/errors.ts'
import { previewScript } from '../lib/job/render.ts'
import type { SnapshotTarget } from '../lib/snapshot/commands.ts'
import { type CopyDest, type CopyPlan, parseCopyTo, planCopy } from '../lib/snapshot/copy-plan.ts'
import { copyListScript, copyScript, destTarget } from '../lib/snapshot/copy-script.ts'
import { DRY_RUN_FLAG, LOCAL_FLAG, NOW_FLAG } from '../lib/snapshot/flags.ts'
import { owner, parseListing } from '../lib/snapshot/host.ts'
import { withJob } from '../lib/snapshot/job.ts'
import { planRetention, type SnapshotRef } from '../lib/snapshot/retention.ts'
import { deleteScript } from '../lib/snapshot/scripts.ts'
import { refreshTextfile } from '../lib/watch/report.ts'

interface Ctx {
  target?: SnapshotTarget
  plan?: CopyPlan
  /** The copies at the destination after this copy (receive only), and the host's clock. */
  copies: SnapshotRef[]
  now?: Date
  pruned: string[]
}

void main(
  {
    name: 'snapshot-copy',
    summary:
      'copy the newest snapshot to snapshots.copy_to (btrfs/zfs send|receive, incremental when possible, or rsync)',
    flags: {
      ...LOCAL_FLAG,
      ...NOW_FLAG,
      ...DRY_RUN_FLAG,
      to: {
        type: 'string',
        description: 'copy here instead of snapshots.copy_to (same forms: /dir, pool/dataset, host:/dir, rsync:/dir)',
      },
    },
    notes: [
      'The copy runs on the core host: a host:/dir destination ' +
        "uses that host's ssh config and keys (docs/snapshots.md).",
    ],
  },
  (flags) =>
    withJob(flags, async ({ cfg, settings: s, host, injected, dryRun }) => {
      const to = (flags.to as string | undefined) || s.copyTo
      if (!to)
        throw new OpsError(`no copy destination: set snapshots.copy_to in ${s.file} or pass --to (make: TO=…)`, {
          hint: 'e.g. copy_to: /mnt/usb/ktrdr-shared (a btrfs disk), nas:/volume1/ktrdr or rsync:/mnt/usb/ktrdr',
          exitCode: 2,
        })
      const dest: CopyDest = parseCopyTo(s.target, to, flags.to ? '--to' : s.file)
      const ctx: Ctx = { copies: [], pruned: [] }
      await runTree<Ctx>(
        [
          {
            title: `List snapshots on ${host.label}${dest.kind === 'receive' ? ` and in ${dest.dest}` : ''}`,
            task: async (c) => {
              const out = await host.run(copyListScript(s.target, dest))
              const here = parseListing(s.target, out.stdout, s.prefix)
              const there =
                dest.kind === 'receive'
                  ? parseListing(destTarget(s.target, dest.dest), out.stdout, s.prefix, 'dest').own
                  : []
              const mountpoint = out.events.find((e) => e.event === 'mountpoint')?.detail
              c.target = s.target.backend === 'zfs' && mountpoint ? { ...s.target, mountpoint } : s.target
              c.plan = planCopy(s.target, dest, here.own, there)
              const sent = here.own.find((x) => x.name === c.plan!.name)!
              c.copies = c.plan.upToDate ? there : [...there, sent]
              c.now = injected ?? here.hostNow
            },
          },
          {
            title: `Copy to ${dest.dest}`,
            task: async (c, t) => {
              const p = c.plan!
              if (p.upToDate) {
                t.title = `Copy ${p.name} to ${dest.dest}`
                return t.skip(`${p.name} is already there: nothing to copy`)
              }
              t.title =
                `Copy ${p.name} to ${dest.dest} ` +
                `(${dest.kind === 'rsync' ? 'rsync' : p.parent ? `incremental from ${p.parent}` : 'full'})`
              const script = copyScript(c.target!, dest, p, owner('snapshot-copy'))
              if (dryRun)
                return t.skip(
                  `[dry run] would run on ${host.label}:\n${previewScript(script)
                    .filter((l) => !l.startsWith('exec 9') && !l.includes('flock') && !l.startsWith('printf'))
                    .join('\n')}`,
                )
              await host.run(script)
            },
          },
          {
            // The same policy as the source's snapshots, so an hourly copy does not fill the second disk.
            title: `Prune the copies in ${dest.dest} (snapshots.keep)`,
            enabled: () => dest.kind === 'receive',
            task: async (c, t) => {
              const names = planRetention(c.copies, s.policy, c.now!).remove.map((r) => r.name)
              t.title = `Prune ${names.length} of ${c.copies.length} copies in ${dest.dest} (snapshots.keep)`
              if (names.length === 0) return t.skip('the policy keeps every copy')
              if (dryRun) return t.skip(`[dry run] would delete ${names.join(', ')}`)
              const dt = destTarget(s.target, dest.dest)
              const out = await host.run(deleteScript(dt, names, s.prefix, owner('snapshot-copy')))
              for (const e of out.events) if (e.event === 'deleted') c.pruned.push(e.detail)
            },
          },
        ],
        ctx,
      )
      const p = ctx.plan!
      if (dryRun) return
      say(
        p.upToDate
          ? `${p.name} is already in ${dest.dest}; nothing to copy`
          : `copied ${p.name} to ${dest.dest}${p.parent ? ` (incremental from ${p.parent})` : ''}`,
      )
      if (ctx.pruned.length) say(`pruned ${ctx.pruned.length} older copies there: ${ctx.pruned.join(', ')}`)
      const w = await refreshTextfile(cfg, (p) => host.run(p))
      if (w) say(`warning: ${w}`)
    }),
)
