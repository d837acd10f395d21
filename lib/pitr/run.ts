// A restore to a moment (make restore TIME=…), as listr2 tasks over the core host: what the repository can
// reach, the scratch cluster restored and checked beside the live one, then swapped in by renames.
import type { ListrTask } from 'listr2'
import { stamp } from '../backup/layout.ts'
import { type DbStats, parseStats } from '../backup/stats-sql.ts'
import type { Config } from '../config/model.ts'
import { OpsError } from '../errors.ts'
import type { JobHost } from '../job/host.ts'
import { jobFailure } from '../job/failure.ts'
import { events } from '../job/protocol.ts'
import type { Pitr } from '../compose/pgbackrest.ts'
import { type PitrInfo, parseInfo } from './info.ts'
import { pitrInfoScript, pitrRestoreIntoScript, pitrSwapScript } from './job.ts'

/** Read-only: the repository's base backups and newest WAL (works with the db down). */
export async function pitrInfo(cfg: Config, p: Pitr, t: JobHost): Promise<PitrInfo> {
  return parseInfo((await t.runOrThrow(pitrInfoScript(cfg, p), { label: 'read the pgBackRest repository' })).stdout)
}

export interface PitrCtx {
  stats?: DbStats
  /** The replaced cluster the swap kept (a directory of the db volume), if there was one. */
  kept?: string
  swapped?: boolean
  warnings?: string[]
}

/** The scratch directory's stamp: one per run. */
export const restoreStamp = (at: Date) => stamp(at).toLowerCase()

export function pitrRestoreTasks<C extends PitrCtx>(
  cfg: Config,
  p: Pitr,
  t: JobHost,
  o: { target: string; label: string; rstamp: string },
): ListrTask<C>[] {
  const db = cfg.stack.database.name
  return [
    {
      title: `Restore the cluster to ${o.label} into a scratch cluster beside the live one, recover it, check it`,
      task: async (c, task) => {
        const out = await t.runOrThrow(pitrRestoreIntoScript(cfg, p, { target: o.target, rstamp: o.rstamp }), {
          label: 'restore (point in time)',
          onStep: (step) => (task.output = step),
        })
        const lines = out.stdout.slice(out.stdout.indexOf('::ktrdr stats-begin')).split('\n').slice(1)
        c.stats = parseStats(lines.filter((l) => !l.startsWith('::ktrdr ')))
        if (c.stats.server.database !== db)
          throw new OpsError(
            `the restored cluster has no database ${db}: the live cluster is unchanged (make restore-cleanup ` +
              'removes the scratch copy)',
          )
        const chunks = c.stats.hypertables.reduce((n, h) => n + h.chunks, 0)
        task.title =
          `Restored the cluster to ${o.label}: ${db} has ${c.stats.tables.length} tables, ` +
          `${c.stats.hypertables.length} hypertables (${chunks} chunks), ` +
          `${c.stats.tables.reduce((n, s) => n + s.rows, 0)} rows`
      },
    },
    {
      title: 'Swap it in (backend and db stopped, the live cluster moved aside and kept, the restored one in place)',
      task: async (c, task) => {
        const out = await t.run(pitrSwapScript(cfg, p, o.rstamp), (step) => (task.output = step))
        const ev = events(out.stdout)
        c.warnings = ev.filter((e) => e.event === 'warn').map((e) => e.detail)
        const kept = ev.find((e) => e.event === 'kept')?.detail.trim()
        if (kept && kept !== '-') c.kept = kept
        c.swapped = ev.some((e) => e.event === 'swapped')
        const err = jobFailure(t.place('restore (swap)'), out)
        if (err) throw err
      },
    },
  ]
}
