// snapshot-prune — delete the snapshots the retention policy does not keep (restic forget semantics, never the
// newest).
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { describeTarget } from '../lib/snapshot/config.ts'
import { DRY_RUN_FLAG, LOCAL_FLAG, NOW_FLAG } from '../lib/snapshot/flags.ts'
import { type Listing, owner, parseListing } from '../lib/snapshot/host.ts'
import { withJob } from '../lib/snapshot/job.ts'
import { formatTable, header, planRows } from '../lib/snapshot/report.ts'
import { planRetention, type RetentionPlan } from '../lib/snapshot/retention.ts'
import { deleteScript, listScript } from '../lib/snapshot/scripts.ts'

interface Ctx {
  listing?: Listing
  plan?: RetentionPlan
  now?: Date
  deleted: string[]
  gone: string[]
}

void main(
  {
    name: 'snapshot-prune',
    summary: 'delete the snapshots the retention policy (snapshots.keep) does not keep; never the newest one',
    flags: { ...LOCAL_FLAG, ...NOW_FLAG, ...DRY_RUN_FLAG },
    notes: [
      'Semantics: restic forget --keep-hourly/--keep-daily/--keep-weekly, in UTC ' +
        '(lib/snapshot/retention.ts, docs/snapshots.md).',
    ],
  },
  (flags) =>
    withJob(flags, async ({ settings: s, host, injected, dryRun }) => {
      const ctx: Ctx = { deleted: [], gone: [] }
      await runTree<Ctx>(
        [
          {
            title: `List snapshots on ${host.label}`,
            task: async (c) => {
              c.listing = parseListing(s.target, (await host.run(listScript(s.target))).stdout, s.prefix)
              c.now = injected ?? c.listing.hostNow
              c.plan = planRetention(c.listing.own, s.policy, c.now)
            },
          },
          {
            title: 'Delete the snapshots the policy does not keep',
            task: async (c, t) => {
              const names = c.plan!.remove.map((r) => r.name)
              t.title = `Delete ${names.length} of ${c.listing!.own.length} snapshots`
              if (names.length === 0) return t.skip('nothing to delete')
              const script = deleteScript(s.target, names, s.prefix, owner('snapshot-prune'))
              if (dryRun) return t.skip(`[dry run] would delete ${names.length} on ${host.label} (listed below)`)
              const out = await host.run(script)
              for (const e of out.events)
                if (e.event === 'deleted') c.deleted.push(e.detail)
                else if (e.event === 'gone') c.gone.push(e.detail)
            },
          },
        ],
        ctx,
      )
      const plan = ctx.plan!
      const rows = planRows(plan, s.policy, ctx.now!, dryRun ? 'would go' : 'deleted')
      say('')
      for (const l of header(host.label, describeTarget(s.target), ctx.now!, Boolean(injected), s.policy)) say(l)
      say('')
      if (rows.length) for (const l of formatTable(rows)) say(l)
      else say('no snapshots yet (make snapshot takes one)')
      const removed = dryRun ? plan.remove.length : ctx.deleted.length
      say(
        `\n${dryRun ? '[dry run] would remove' : 'removed'} ${removed}, ` +
          `${dryRun ? 'keep' : 'kept'} ${plan.keep.length}` +
          `${ctx.gone.length ? `; ${ctx.gone.length} were already gone: ${ctx.gone.join(', ')}` : ''}`,
      )
    }),
)
