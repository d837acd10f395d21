// Which backup to restore, and whether this server may restore it: pure checks, before anything runs.
import type { BackupEntry } from '../backup/inventory.ts'
import { checkNewest, newestVerified } from '../backup/inventory.ts'
import { OpsError, UsageError } from '../errors.ts'

export interface Probe {
  server_version: string
  timescaledb: string | null
  live_exists: boolean
  scratch: string[]
}

/** This server cannot restore that backup (another TimescaleDB): the backup itself is not at fault. */
export class VersionMismatchError extends OpsError {}

/**
 * `redrill`: a drill may take, by name, a backup whose last drill failed (to see whether it still does); every
 * other check holds.
 */
export function chooseBackup(
  entries: BackupEntry[],
  file: string | undefined,
  dir: string,
  opts: { redrill?: boolean } = {},
): BackupEntry {
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
  if (opts.redrill && e.manifest && e.drill?.result === 'failed') return e
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
    throw new VersionMismatchError(
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

export interface IntactChoice {
  entry: BackupEntry
  /** Newer verified backups whose sha256 no longer matches their manifest (checked now), newest first. */
  damaged: BackupEntry[]
}

/**
 * The backup a recovery restores, checked before anything is deployed: FILE= (its sha256 compared now), else
 * the newest daily backup whose dump still has its manifest's sha256 — each newer one that does not is named
 * as damaged and skipped. `sums` runs the check on the host (lib/backup/backup.sh: sums).
 */
export async function chooseIntact(
  entries: BackupEntry[],
  file: string | undefined,
  dir: string,
  sums: (files: string[]) => Promise<Map<string, string>>,
): Promise<IntactChoice> {
  if (file) {
    const e = chooseBackup(entries, file, dir)
    if (e.kind === 'legacy') return { entry: e, damaged: [] }
    const now = (await sums([e.file])).get(e.file)
    if (now !== e.manifest!.dump.sha256)
      throw new OpsError(
        `refusing ${e.file}: ` +
          `${now === 'unreadable' ? 'the dump cannot be read' : 'its sha256 differs from the manifest'} ` +
          `(checked now): it is damaged; nothing was changed`,
        {
          hint: 'pick another one (make restore LIST=1), or leave FILE= out to take the newest intact one',
          exitCode: 65,
        },
      )
    return { entry: e, damaged: [] }
  }
  await checkNewest(entries, sums)
  const damaged = entries.filter((e) => e.checkedNow === false)
  const entry = entries.find((e) => e.checkedNow === true)
  if (!entry) {
    const named = damaged.map((e) => e.file).join(', ')
    throw new OpsError(
      damaged.length
        ? `no intact backup in ${dir}: every verified backup is damaged ` +
            `(sha256 differs from its manifest: ${named}); nothing was changed`
        : `no verified backup in ${dir} (${entries.length} files there); nothing was changed`,
      {
        hint:
          'run make backup-status to see what is there; a plain .sql.gz can be named with FILE=…; ' +
          'the snapshot copy holds older backups (docs/runbook.md, "Node A\'s disk is gone")',
        exitCode: damaged.length ? 65 : 1,
      },
    )
  }
  return { entry, damaged }
}
