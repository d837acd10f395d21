// Scenario B (§8.4) as two trees. The first changes nothing: check the core host and its shared mount, and
// choose the backup (FILE=, or the newest whose dump still has its manifest's sha256, checked now; the damaged
// ones named). Then, once confirmed: start the db alone, restore into it (lib/restore: sha256 check, scratch
// database, manifest check, swap keeping the replaced copy), deploy every core service, and check the core's timers.
import type { ListrTask } from 'listr2'
import { backupDirs } from '../backup/layout.ts'
import { type BackupEntry, inventoryScript, parseInventory, parseSums, sumsScript } from '../backup/inventory.ts'
import { ensureTimersTask, type TimerResult } from '../backup/install-timer.ts'
import type { JobHost } from '../job/host.ts'
import type { Config } from '../config/model.ts'
import { planCore } from '../deploy/plan.ts'
import type { DeployOptions } from '../deploy/scripts.ts'
import { chooseIntact } from '../restore/choose.ts'
import { type RestoreCtx, restoreTasks, survey } from '../restore/run.ts'
import type { SecretProvider } from '../secrets/provider.ts'
import { type DeployCtx, deployTasks, preflightTask } from './deploy-host.ts'
import { pitrRecoverTask } from '../pitr/recover.ts'

export interface RecoverCoreCtx extends DeployCtx, RestoreCtx {
  entry?: BackupEntry
  /** Newer backups skipped because their dump no longer matches its manifest (checked now). */
  damaged?: BackupEntry[]
  /** Every backup in the directory, as the choice saw them. */
  inventory?: BackupEntry[]
  timers?: TimerResult[]
}

/**
 * Read-only: the host, its mount, the secrets and the tag's images in the registry (so that a tag that is gone
 * stops the run before the database is replaced), and the backup to restore (sha256 checked now).
 */
export function recoverCheckTasks(
  cfg: Config,
  t: JobHost,
  o: DeployOptions,
  provider: SecretProvider,
  file?: string,
): ListrTask<RecoverCoreCtx>[] {
  const all = planCore(cfg, 'all', o.tag)
  const dir = backupDirs(cfg).host
  return [
    preflightTask(cfg, 'core', t.exec, all.host, t.signal),
    // The first two steps of the deploy: one secrets read for the run, and the tag's images in the registry.
    ...deployTasks<RecoverCoreCtx>(cfg, all, o, provider, t.exec, t.signal).slice(0, 2),
    {
      title: file ? `Check ${file} in ${dir} (sha256 now)` : `Find the newest intact backup in ${dir} (sha256 now)`,
      task: async (c, task) => {
        const out = await t.runOrThrow(inventoryScript(cfg), { label: 'list backups' })
        const sums = async (files: string[]) =>
          parseSums((await t.runOrThrow(sumsScript(cfg, files), { label: 'check backups' })).stdout)
        c.inventory = parseInventory(out.stdout)
        const choice = await chooseIntact(c.inventory, file, dir, sums)
        c.entry = choice.entry
        c.damaged = choice.damaged
        const skipped = choice.damaged.length
          ? `; skipped as DAMAGED (sha256 differs from the manifest): ${choice.damaged.map((e) => e.file).join(', ')}`
          : ''
        task.title =
          `${file ? 'Chosen' : 'Newest intact'} backup: ${c.entry.file} ` +
          `(${c.entry.time.toISOString()}, ${c.entry.size} bytes` +
          `${c.entry.kind === 'legacy' ? '' : ', sha256 ok'})${skipped}`
      },
    },
  ]
}

/** What a failure part way has changed, from the deploys that were sent (db alone first, then all). */
export function changedSoFar(cfg: Config, c: RecoverCoreCtx, tag: string): string[] {
  const sent = c.sent?.length ?? 0
  return [
    ...(sent >= 1
      ? [`the db service was deployed (or attempted) at ${tag}: a fresh database unless its volume survived`]
      : []),
    ...(sent >= 2
      ? [
          `database "${cfg.stack.database.name}" was replaced by the backup; ` +
            `every core service was deployed (or attempted) at ${tag}`,
        ]
      : []),
  ]
}

/** Changes the host: db alone, restore, every service, the timers. */
export function recoverCoreTasks(
  cfg: Config,
  t: JobHost,
  o: DeployOptions & { opsDir: string },
  provider: SecretProvider,
): ListrTask<RecoverCoreCtx>[] {
  const live = cfg.stack.database.name
  const steps = (title: string, service: string): ListrTask<RecoverCoreCtx> => ({
    title,
    task: (_c, task) => {
      return task.newListr(
        deployTasks<RecoverCoreCtx>(cfg, planCore(cfg, service, o.tag), o, provider, t.exec, t.signal),
        { exitOnError: true },
      )
    },
  })
  return [
    steps(`Start the database alone (deploy-core SERVICE=db TAG=${o.tag})`, 'db'),
    {
      title: `Restore the chosen backup as database "${live}"`,
      task: async (c, task) => {
        const s = await survey(cfg, t, live)
        task.title =
          `Restore ${c.entry!.file} as database "${live}"` +
          `${s.probe.live_exists ? " (the fresh container's database is replaced, kept renamed)" : ''}`
        return task.newListr(
          restoreTasks<RecoverCoreCtx>(cfg, t, {
            entry: c.entry!,
            live,
            mode: 'restore',
            checksums: false,
            probe: s.probe,
          }),
          { exitOnError: true },
        )
      },
    },
    ...(cfg.stack.pitr ? [pitrRecoverTask<RecoverCoreCtx>(cfg, cfg.stack.pitr, t)] : []),
    steps(`Deploy every core service (deploy-core SERVICE=all TAG=${o.tag})`, 'all'),
    ensureTimersTask<RecoverCoreCtx>(cfg, t, o.opsDir),
  ]
}
