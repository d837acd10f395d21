// Which backup to restore, and whether this server may restore it: pure checks, before anything runs.
import type { BackupEntry } from '../backup/inventory.ts'
import { newestVerified } from '../backup/inventory.ts'
import { OpsError, UsageError } from '../errors.ts'

export interface Probe {
  server_version: string
  timescaledb: string | null
  live_exists: boolean
  scratch: string[]
}

export function chooseBackup(entries: BackupEntry[], file: string | undefined, dir: string): BackupEntry {
  if (!file) {
    const n = newestVerified(entries)
    if (!n)
      throw new OpsError(`no verified backup in ${dir} (${entries.length} files there)`, {
        hint: 'run make backup-status to see what is there; name a file with FILE=… to restore a plain .sql.gz',
      })
    return n
  }
  const e = entries.find((x) => x.file === file || x.name === file)
  if (!e)
    throw new UsageError(
      `no backup named "${file}" in ${dir}: the backups there are ${entries.map((x) => x.file).join(', ') || '(none)'}`,
      'run make restore LIST=1',
    )
  if (!e.verified && e.kind !== 'legacy')
    throw new OpsError(`refusing ${e.file}: not a verified backup (${e.problem})`, {
      hint: 'pick a verified one (make restore LIST=1)',
      exitCode: 65,
    })
  return e
}

/** TimescaleDB must be the same version as at backup time (Timescale's documented restore procedure). */
export function checkVersions(e: BackupEntry, p: Probe): void {
  const want = e.manifest?.server.timescaledb
  if (!want) return
  if (p.timescaledb !== want)
    throw new OpsError(
      `refusing ${e.file}: it was taken with TimescaleDB ${want}, ` +
        `this server has TimescaleDB ${p.timescaledb ?? '(not installed)'}`,
      {
        hint:
          `run a db image with TimescaleDB ${want} (core.services.db.image), restore, ` +
          `then upgrade with ALTER EXTENSION timescaledb UPDATE`,
        exitCode: 65,
      },
    )
}
