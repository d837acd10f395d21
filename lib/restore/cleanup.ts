// The replaced copies a restore keeps (<database>_old_<stamp>, restore.sh's swap): listed, and dropped by
// `make restore-cleanup` or, past backups.replaced_keep_days, by the prune after each backup (and backup-prune).
import type { ListrTask } from 'listr2'
import type { PruneCtx } from '../backup/prune.ts'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { jobFailure } from '../job/failure.ts'
import { events } from '../job/protocol.ts'
import { dropReplacedScript, replacedScript } from './job.ts'

export interface ReplacedCopy {
  name: string
  bytes: number
  /** When the restore that kept it ran (the stamp in its name). */
  at: Date
}

/** The time in a replaced copy's name (ktrdr_old_20261127t030000z), or undefined. */
export function stampOf(name: string): Date | undefined {
  const m = /_old_(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})z$/.exec(name)
  if (!m) return undefined
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
  return Number.isNaN(d.getTime()) ? undefined : d
}

export async function listReplaced(cfg: Config, t: JobHost, live: string): Promise<ReplacedCopy[]> {
  return parseReplaced((await t.runOrThrow(replacedScript(cfg, live), { label: 'list the replaced copies' })).stdout)
}

function parseReplaced(stdout: string): ReplacedCopy[] {
  return events(stdout)
    .filter((e) => e.event === 'replaced')
    .flatMap((e) => {
      const [name, size] = e.detail.trim().split(' ')
      const at = stampOf(name!)
      return at ? [{ name: name!, bytes: Number(size), at }] : []
    })
}

/** The copies kept longer than `keepDays` (0: none; restore-cleanup alone drops them). */
export function dueForDrop(copies: ReplacedCopy[], now: Date, keepDays: number): ReplacedCopy[] {
  if (keepDays <= 0) return []
  return copies.filter((c) => now.getTime() - c.at.getTime() > keepDays * 86_400_000)
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
/** "1 replaced copy", "3 replaced copies". */
export const replacedCopies = (n: number) => `${n} replaced cop${n === 1 ? 'y' : 'ies'}`

/**
 * After a backup's prune (and backup-prune): drop the replaced copies past backups.replaced_keep_days — not while
 * the backups' own prune is guarded (backups have stopped: a replaced copy may then hold the only copy of recent
 * writes), and not when the db server does not answer (said, not failed: the backups' prune needs no server).
 */
export function replacedPruneTask<C extends PruneCtx>(
  cfg: Config,
  t: JobHost,
  o: { dryRun: boolean; now?: Date },
): ListrTask<C> {
  const keep = cfg.stack.backups.replaced_keep_days
  const live = cfg.stack.database.name
  return {
    title: `Drop the replaced copies of ${live} that restores kept longer than ${keep} d`,
    enabled: () => keep > 0,
    task: async (c, task) => {
      if (c.plan?.guard) return task.skip(`Replaced copies kept: ${c.plan.guard}`)
      const out = await t.run(replacedScript(cfg, live))
      const err = jobFailure(t.place('list the replaced copies'), out)
      if (err) return task.skip(`Replaced copies not checked: ${err.message}`)
      const copies = parseReplaced(out.stdout)
      const due = dueForDrop(copies, o.now ?? new Date(), keep)
      task.output = [
        ...due.map((c) => `  drop ${c.name}  ${mb(c.bytes)}  kept since ${c.at.toISOString()}`),
        ...copies.filter((c) => !due.includes(c)).map((c) => `  keep ${c.name}  ${mb(c.bytes)}  within ${keep} d`),
      ].join('\n')
      if (o.dryRun || !due.length) {
        const what = o.dryRun ? '[dry run] would drop' : 'No replaced copy to drop:'
        task.title = `${what} ${due.length} of ${copies.length}`
        return
      }
      await t.runOrThrow(
        dropReplacedScript(
          cfg,
          live,
          due.map((c) => c.name),
        ),
        { label: 'drop the replaced copies' },
      )
      task.title = `Dropped ${replacedCopies(due.length)} of ${live}`
    },
    rendererOptions: { persistentOutput: true },
  }
}
