// The restore's and the drill's scripts as data: lib/restore/restore.sh's functions, after backup.sh's
// (backups_dir, db_container), with the variables bound for them.
import type { BackupEntry } from '../backup/inventory.ts'
import { areaVars, locks, RESTORE_LIB } from '../backup/job.ts'
import { CHECKSUM_ALGORITHM, statsSql } from '../backup/stats-sql.ts'
import type { Config } from '../config/model.ts'
import { bind, type ScriptParts } from '../job/render.ts'

export { RESTORE_LIB }

/**
 * Session settings for the restore's connections: index builds sort in memory (two at a time with -j2,
 * so up to 2 × this), and commits do not wait for their WAL flush — a crash mid-restore loses only the
 * scratch database, which is dropped anyway, and the swap's own commit flushes everything before it.
 * Measured on 1 GB: post-data 8.3 → 5.5 s.
 */
export const RESTORE_PGOPTIONS = '-c maintenance_work_mem=256MB -c synchronous_commit=off'

/** The chosen dump, as restore.sh's check_dump and restore_into read it. */
export function entryVars(e: BackupEntry): string[] {
  const m = e.manifest
  return bind({
    file: e.file,
    format: e.format,
    dump_sha: m?.dump.sha256 ?? '',
    dump_size: m?.dump.size ?? 0,
    roles_file: m?.roles.file ?? '',
    roles_sha: m?.roles.sha256 ?? '',
    tsdb: m?.server.timescaledb ?? '',
  })
}

/** Phase 1 of a restore or drill: check the dump, restore it into `scratch`, print its statistics. */
export function restoreIntoScript(
  cfg: Config,
  e: BackupEntry,
  o: { scratch: string; mode: 'restore' | 'drill'; checksums: boolean },
): ScriptParts {
  const drill = o.mode === 'drill'
  return {
    lib: RESTORE_LIB,
    body: [
      ...bind(areaVars(cfg)),
      ...entryVars(e),
      ...bind({
        scratch: o.scratch,
        drill: drill ? 1 : 0,
        apply_roles: e.format === 'custom' && e.manifest?.roles && !drill ? 1 : 0,
        restore_pgoptions: RESTORE_PGOPTIONS,
        // The checksums are computed the way the manifest's were (older manifests: the text form).
        stats_sql: statsSql(e.manifest?.checksum_algorithm ?? CHECKSUM_ALGORITHM, drill || o.checksums),
      }),
      'backups_dir',
      ...locks(drill ? 'backup-verify' : 'restore'),
      'db_container',
      'check_dump',
      'restore_into',
    ],
  }
}

/** Phase 2: stop the backend, swap (the replaced copy is kept as `old`: restore-cleanup drops it). */
export function swapScript(cfg: Config, o: { scratch: string; live: string; old: string }): ScriptParts {
  return {
    lib: RESTORE_LIB,
    body: [
      ...bind(areaVars(cfg)),
      ...bind({ scratch: o.scratch, live: o.live, old: o.old }),
      'backups_dir',
      ...locks('restore'),
      'db_container',
      'stop_backend',
      'swap',
    ],
  }
}

/** Read-only: the replaced copies restores kept of `live` (restore.sh's replaced_list). */
export function replacedScript(cfg: Config, live: string): ScriptParts {
  return {
    lib: RESTORE_LIB,
    body: [...bind({ ...areaVars(cfg), live }), 'backups_dir', 'db_container', 'replaced_list'],
  }
}

/** make restore-cleanup: drop these replaced copies of `live`, under the restore's lock. */
export function dropReplacedScript(cfg: Config, live: string, names: string[]): ScriptParts {
  return {
    lib: RESTORE_LIB,
    body: [
      ...bind({ ...areaVars(cfg), live, drop_names: names }),
      'backups_dir',
      ...locks('restore'),
      'db_container',
      'drop_replaced',
    ],
  }
}

/** Read-only: the server's TimescaleDB and whether the live database exists (restore.sh's probe). */
export function probeScript(cfg: Config, live: string): ScriptParts {
  return { lib: RESTORE_LIB, body: [...bind({ ...areaVars(cfg), live }), 'backups_dir', 'db_container', 'probe'] }
}

/** After an interrupted or failed run: drop the scratch database (whether it was still there is reported). */
export function dropScratchScript(cfg: Config, scratch: string): ScriptParts {
  return {
    lib: RESTORE_LIB,
    body: [...bind({ ...areaVars(cfg), scratch }), 'backups_dir', 'db_container', 'drop_scratch'],
  }
}
