// `make backup`: the whole backup as one script on the core host (lock → container → dump → manifest).
import type { ListrTask } from 'listr2'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { areaVars, BACKUP_LIB, dumpVars, locks } from './job.ts'
import { backupDirs, baseName, type BackupKind } from './layout.ts'

export function backupScript(cfg: Config, kind: BackupKind, at: Date, host: string): ScriptParts {
  const base = baseName(cfg.stack.database.name, kind, at)
  return {
    lib: BACKUP_LIB,
    body: [
      ...bind(areaVars(cfg)),
      ...dumpVars({ base, kind, database: cfg.stack.database.name, host, at }),
      'backups_dir',
      ...locks('backup'),
      'db_container',
      'dump',
    ],
  }
}

export interface BackupResult {
  base: string
  size: number
  sha256: string
}

export function parseBackupEvent(stdout: string): BackupResult | undefined {
  const e = events(stdout).find((x) => x.event === 'backup')
  if (!e) return undefined
  const [base, size, sha256] = e.detail.split(' ')
  return { base: base!, size: Number(size), sha256: sha256! }
}

export interface BackupCtx {
  backup?: BackupResult
}

export function backupTask<C extends BackupCtx>(cfg: Config, t: JobHost, now = new Date()): ListrTask<C> {
  return {
    title: `Back up database ${cfg.stack.database.name} on ${t.name} into ${backupDirs(cfg).host}`,
    task: async (c, task) => {
      const out = await t.runOrThrow(backupScript(cfg, 'daily', now, cfg.stack.core.host), {
        label: 'backup',
        onStep: (step) => (task.output = step),
      })
      c.backup = parseBackupEvent(out.stdout)
      task.title =
        `Backed up ${cfg.stack.database.name}: ${c.backup?.base}.dump ` +
        `(${humanSize(c.backup?.size ?? 0)}, verified, sha256 ${c.backup?.sha256.slice(0, 12)}…)`
    },
  }
}

export function humanSize(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`
}
