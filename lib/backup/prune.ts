// `make backup-prune`: list → plan (retention.ts) → print → delete (manifest first, so a half-deleted
// backup never looks like a verified one), under the backups lock.
import type { ListrTask } from 'listr2'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { type BackupEntry, inventoryScript, parseInventory } from './inventory.ts'
import { areaVars, BACKUP_LIB, locks } from './job.ts'
import { planRetention, type RetentionPlan } from './retention.ts'

export interface PruneCtx {
  plan?: RetentionPlan
}

export function policyOf(cfg: Config) {
  const b = cfg.stack.backups
  return { keepDays: b.keep_days, guardHours: b.prune_guard_hours, maxDeletions: b.max_deletions_per_run }
}

export function deleteScript(cfg: Config, entries: BackupEntry[]): ScriptParts {
  return {
    lib: BACKUP_LIB,
    body: [
      ...bind({ ...areaVars(cfg), doomed: entries.map((e) => e.name) }),
      'backups_dir',
      ...locks('backup-prune'),
      'delete_backups',
    ],
  }
}

export function planLines(plan: RetentionPlan): string[] {
  const t = (d: Date) => d.toISOString().replace('.000Z', 'Z')
  return [
    ...(plan.guard ? [`guard: ${plan.guard}`] : []),
    ...plan.delete.map((d) => `  delete ${d.name}  (${t(d.time)})  ${d.reason}`),
    ...plan.keep.map((d) => `  keep   ${d.name}  (${t(d.time)})  ${d.reason}`),
  ]
}

export function pruneTask<C extends PruneCtx>(
  cfg: Config,
  t: JobHost,
  o: { dryRun: boolean; now?: Date },
): ListrTask<C> {
  return {
    title:
      `Apply retention (keep ${cfg.stack.backups.keep_days} d, ` +
      `guard ${cfg.stack.backups.prune_guard_hours} h, ` +
      `at most ${cfg.stack.backups.max_deletions_per_run} per run)`,
    task: async (c, task) => {
      const inv = await t.runOrThrow(inventoryScript(cfg), { label: 'backup-prune' })
      const entries = parseInventory(inv.stdout)
      const plan = planRetention(entries, policyOf(cfg), o.now ?? new Date())
      c.plan = plan
      task.output = planLines(plan).join('\n')
      if (o.dryRun || !plan.delete.length) {
        task.title =
          `${o.dryRun ? '[dry run] would delete' : 'Nothing to delete:'} ` +
          `${plan.delete.length} of ${entries.length} backups`
        return
      }
      const doomed = entries.filter((e) => plan.delete.some((d) => d.name === e.name))
      await t.runOrThrow(deleteScript(cfg, doomed), { label: 'backup-prune' })
      task.title = `Deleted ${plan.delete.length} of ${entries.length} backups`
    },
    rendererOptions: { persistentOutput: true },
  }
}
