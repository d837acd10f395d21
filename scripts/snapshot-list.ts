// snapshot-list — the snapshots on the core host: name, time, age, and what the retention policy would do.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { formatAge } from '../lib/snapshot/clock.ts'
import { describeTarget } from '../lib/snapshot/config.ts'
import { LOCAL_FLAG, NOW_FLAG } from '../lib/snapshot/flags.ts'
import { type Listing, parseListing } from '../lib/snapshot/host.ts'
import { withJob } from '../lib/snapshot/job.ts'
import { formatTable, header, planRows } from '../lib/snapshot/report.ts'
import { planRetention } from '../lib/snapshot/retention.ts'
import { listScript } from '../lib/snapshot/scripts.ts'

/** Past this age of the newest snapshot the hourly timer is probably not running. */
const STALE_MS = 2 * 3_600_000

void main(
  {
    name: 'snapshot-list',
    summary: 'list the snapshots (name, time, age) and mark which ones the retention policy keeps or removes',
    flags: { ...LOCAL_FLAG, ...NOW_FLAG },
  },
  (flags) =>
    withJob(flags, async ({ settings: s, host, injected }) => {
      const ctx = { listing: undefined as Listing | undefined }
      await runTree<typeof ctx>(
        [
          {
            title: `List snapshots on ${host.label}`,
            task: async (c) => {
              c.listing = parseListing(s.target, (await host.run(listScript(s.target))).stdout, s.prefix)
            },
          },
        ],
        ctx,
      )
      const listing = ctx.listing!
      const now = injected ?? listing.hostNow
      const plan = planRetention(listing.own, s.policy, now)
      say('')
      for (const l of header(host.label, describeTarget(s.target), now, Boolean(injected), s.policy)) say(l)
      say('')
      if (listing.own.length === 0) say('no snapshots yet (make snapshot takes one)')
      else for (const l of formatTable(planRows(plan, s.policy, now))) say(l)
      if (listing.foreign.length) say(`\nnot ours, never touched: ${listing.foreign.join(', ')}`)
      say(
        `\n${listing.own.length} snapshots: keep ${plan.keep.length}, remove ${plan.remove.length} ` +
          `(make snapshot-prune DRY_RUN=1 shows the same plan)`,
      )
      const newest = plan.keep.find((k) => k.time.getTime() <= now.getTime())
      if (newest && now.getTime() - newest.time.getTime() > STALE_MS)
        say(
          `note: the newest snapshot is ${formatAge(now.getTime() - newest.time.getTime())} old: ` +
            `is the hourly timer running? (systemctl list-timers ktrdr-snapshot.timer)`,
        )
    }),
)
