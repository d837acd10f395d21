// snapshot — a read-only snapshot of the shared storage, named by UTC time (design §8.3).
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { previewScript } from '../lib/job/render.ts'
import { snapshotRef } from '../lib/snapshot/commands.ts'
import { describeTarget } from '../lib/snapshot/config.ts'
import { DRY_RUN_FLAG, LOCAL_FLAG, NOW_FLAG } from '../lib/snapshot/flags.ts'
import { owner, parseListing } from '../lib/snapshot/host.ts'
import { withJob } from '../lib/snapshot/job.ts'
import { formatSnapshotName } from '../lib/snapshot/names.ts'
import { iso } from '../lib/snapshot/report.ts'
import { createScript, listScript } from '../lib/snapshot/scripts.ts'
import { refreshTextfile } from '../lib/watch/report.ts'

void main(
  {
    name: 'snapshot',
    summary:
      'take a read-only snapshot of the shared storage (btrfs or ZFS, from the snapshots: section), named by UTC time',
    flags: { ...LOCAL_FLAG, ...NOW_FLAG, ...DRY_RUN_FLAG },
    notes: ['Runs on the core host over SSH; the hourly systemd timer runs it there with --local (docs/snapshots.md).'],
  },
  (flags) =>
    withJob(flags, async ({ cfg, settings: s, host, injected, dryRun }) => {
      const ctx = { now: injected ?? new Date(NaN), ref: '' }
      await runTree<typeof ctx>(
        [
          {
            title: `Read the clock on ${host.label}`,
            skip: () => (injected ? `using --now ${iso(injected)}` : false),
            task: async (c) => {
              c.now = parseListing(s.target, (await host.run(listScript(s.target))).stdout, s.prefix).hostNow
            },
          },
          {
            title: `Snapshot ${describeTarget(s.target)}`,
            task: async (c, t) => {
              const name = formatSnapshotName(c.now, s.prefix)
              c.ref = snapshotRef(s.target, name)
              t.title = `Snapshot ${describeTarget(s.target)}: ${name}`
              const script = createScript(s.target, name, owner())
              if (dryRun) return t.skip(`[dry run] would run on ${host.label}:\n${previewScript(script).join('\n')}`)
              await host.run(script)
            },
          },
        ],
        ctx,
      )
      if (dryRun) return
      say(`created ${ctx.ref} (read-only)`)
      const w = await refreshTextfile(cfg, (p) => host.run(p))
      if (w) say(`warning: ${w}`)
    }),
)
