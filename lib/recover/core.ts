// Scenario B (§8.4) as one tree: check the core host and its shared mount, find the newest verified
// backup, start the db alone, restore into it (lib/restore: sha256 check, scratch database, manifest check,
// safety dump, swap), deploy every core service. Every step stops the tree when it fails.
import type { ListrTask } from 'listr2'
import { backupDirs } from '../backup/layout.ts'
import { type BackupEntry, inventoryScript, parseInventory } from '../backup/inventory.ts'
import type { JobHost } from '../job/host.ts'
import type { Config } from '../config/model.ts'
import { planCore } from '../deploy/plan.ts'
import type { DeployOptions } from '../deploy/scripts.ts'
import { chooseBackup } from '../restore/choose.ts'
import { type RestoreCtx, restoreTasks, survey } from '../restore/run.ts'
import type { SecretProvider } from '../secrets/provider.ts'
import { type DeployCtx, deployTasks, preflightTask } from './deploy-host.ts'

export interface RecoverCoreCtx extends DeployCtx, RestoreCtx {
  entry?: BackupEntry
}

/** `file`: a backup to restore instead of the newest verified one (when that one is damaged). */
export function recoverCoreTasks(
  cfg: Config,
  t: JobHost,
  o: DeployOptions,
  provider: SecretProvider,
  file?: string,
): ListrTask<RecoverCoreCtx>[] {
  const host = planCore(cfg, 'all', o.tag).host
  const dir = backupDirs(cfg).host
  const live = cfg.stack.database.name
  const steps = (title: string, service: string): ListrTask<RecoverCoreCtx> => ({
    title,
    task: (_c, task) =>
      task.newListr(deployTasks<RecoverCoreCtx>(cfg, planCore(cfg, service, o.tag), o, provider, t.exec, t.signal), {
        exitOnError: true,
      }),
  })
  return [
    preflightTask(cfg, 'core', t.exec, host, t.signal),
    {
      title: file ? `Find ${file} in ${dir}` : `Find the newest verified backup in ${dir}`,
      task: async (c, task) => {
        const out = await t.runOrThrow(inventoryScript(cfg), { label: 'list backups' })
        c.entry = chooseBackup(parseInventory(out.stdout), file, dir)
        task.title =
          `${file ? 'Chosen' : 'Newest verified'} backup: ${c.entry.file} ` +
          `(${c.entry.time.toISOString()}, ${c.entry.size} bytes)`
      },
    },
    steps(`Start the database alone (deploy-core SERVICE=db TAG=${o.tag})`, 'db'),
    {
      title: `Restore the ${file ? 'chosen' : 'newest verified'} backup as database "${live}"`,
      task: async (c, task) => {
        const s = await survey(cfg, t, live)
        task.title =
          `Restore ${c.entry!.file} as database "${live}"` +
          `${s.probe.live_exists ? " (the fresh container's database is dumped, then replaced)" : ''}`
        return task.newListr(
          restoreTasks<RecoverCoreCtx>(cfg, t, {
            entry: c.entry!,
            live,
            mode: 'restore',
            safetyDump: true,
            checksums: false,
            probe: s.probe,
          }),
          { exitOnError: true },
        )
      },
    },
    steps(`Deploy every core service (deploy-core SERVICE=all TAG=${o.tag})`, 'all'),
  ]
}
