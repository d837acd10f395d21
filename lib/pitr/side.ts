// The clusters a point-in-time restore keeps beside the live one in the db volume (<PGDATA>/.ktrdr-side):
// replaced-<stamp> (the cluster a swap replaced) and restore-<stamp> (a scratch cluster whose restore stopped
// between its phases). Listed and removed by make restore-cleanup; replaced ones past
// backups.replaced_keep_days by the prune after each backup, as the replaced databases of logical restores.
import type { ListrTask } from 'listr2'
import type { PruneCtx } from '../backup/prune.ts'
import type { Config } from '../config/model.ts'
import { mb } from '../restore/cleanup.ts'
import { jobFailure } from '../job/failure.ts'
import type { Pitr } from '../compose/pgbackrest.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import { sideDropScript, sideListScript } from './job.ts'

export interface KeptCluster {
  name: string
  bytes: number
  /** When the restore that kept it ran (the stamp in its name). */
  at: Date
}

/** replaced-20261206t205903z → its time; undefined for any other name. */
export function sideStamp(name: string): Date | undefined {
  const m = /^(?:replaced|restore)-(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})z$/.exec(name)
  if (!m) return undefined
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
  return Number.isNaN(d.getTime()) ? undefined : d
}

export function parseSide(stdout: string): KeptCluster[] {
  return events(stdout)
    .filter((e) => e.event === 'side')
    .flatMap((e) => {
      const [name, size] = e.detail.trim().split(' ')
      const at = sideStamp(name!)
      return at ? [{ name: name!, bytes: Number(size), at }] : []
    })
}

export async function listKept(cfg: Config, p: Pitr, t: JobHost): Promise<KeptCluster[]> {
  return parseSide((await t.runOrThrow(sideListScript(cfg, p), { label: 'list the kept clusters' })).stdout)
}

/**
 * After a backup's prune (and backup-prune): remove the clusters kept longer than backups.replaced_keep_days,
 * under the same rules as the replaced databases (lib/restore/cleanup.ts): not while the backups' prune is
 * guarded, and a listing that fails is said, not failed.
 */
export function keptClustersPruneTask<C extends PruneCtx>(
  cfg: Config,
  p: Pitr,
  t: JobHost,
  o: { dryRun: boolean; now?: Date },
): ListrTask<C> {
  const keep = cfg.stack.backups.replaced_keep_days
  return {
    title: `Remove the clusters point-in-time restores kept longer than ${keep} d`,
    enabled: () => keep > 0,
    task: async (c, task) => {
      if (c.plan?.guard) return task.skip(`Kept clusters kept: ${c.plan.guard}`)
      const out = await t.run(sideListScript(cfg, p))
      const err = jobFailure(t.place('list the kept clusters'), out)
      if (err) return task.skip(`Kept clusters not checked: ${err.message}`)
      const kept = parseSide(out.stdout)
      const now = (o.now ?? new Date()).getTime()
      const due = kept.filter((k) => now - k.at.getTime() > keep * 86_400_000)
      task.output = [
        ...due.map((k) => `  remove ${k.name}  ${mb(k.bytes)}  kept since ${k.at.toISOString()}`),
        ...kept.filter((k) => !due.includes(k)).map((k) => `  keep ${k.name}  ${mb(k.bytes)}  within ${keep} d`),
      ].join('\n')
      if (o.dryRun || !due.length) {
        const what = o.dryRun ? '[dry run] would remove' : 'No kept cluster to remove:'
        task.title = `${what} ${due.length} of ${kept.length}`
        return
      }
      const names = due.map((k) => k.name)
      await t.runOrThrow(sideDropScript(cfg, p, names), { label: 'remove the kept clusters' })
      task.title = `Removed ${names.join(', ')} from the db volume`
    },
    rendererOptions: { persistentOutput: true },
  }
}
