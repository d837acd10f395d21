// The backup area's jobs as data: the .sh files (lib/backup/backup.sh, lib/restore/restore.sh, and the
// engine's lock and mount checks) and the variables bound for them. They run on the core host (jobHost), or
// with --local on this machine.
import type { Config } from '../config/model.ts'
import { projectName } from '../compose/workers.ts'
import { type JobHost, jobHost } from '../job/host.ts'
import { type LockedJob, LOCKS, lockLines, lockOwner } from '../job/lock.ts'
import { bind, type Bound } from '../job/render.ts'
import { backupDirs, type BackupKind, files, PARTIAL_PREFIX } from './layout.ts'
import { MANIFEST_FORMAT } from './manifest.ts'
import { CHECKSUM_ALGORITHM, statsSql } from './stats-sql.ts'

export const BACKUP_LIB = ['job/mount.sh', 'job/lock.sh', 'backup/backup.sh'] as const
export const RESTORE_LIB = [...BACKUP_LIB, 'restore/restore.sh'] as const

/**
 * zstd level 1: PostgreSQL 16+ only (the db image is 17). On the bench's 1 GB it dumps in the time of an
 * uncompressed dump (the server's COPY is the bottleneck) and came out smaller than level 3; docs/backup.md.
 */
export const COMPRESSION = 'zstd:1'

/** The core host, over SSH (one multiplexed connection for the run), or this machine with --local. */
export const coreTarget = (cfg: Config, local: boolean): JobHost => jobHost(cfg, cfg.stack.core.host, { local })

/** What every script of the area is given: the backups directory (host and container views), its mount, the db. */
export function areaVars(cfg: Config): Record<string, Bound> {
  const dirs = backupDirs(cfg)
  return {
    dir: dirs.host,
    cdir: dirs.container,
    mount: dirs.mount,
    compose_path: cfg.stack.core.compose_path,
    project: projectName(cfg.stack.core.compose_path),
    db_user: cfg.stack.database.user,
  }
}

/** The job's locks (lib/job/lock.ts), owned by this run. */
export const locks = (job: LockedJob, force = false): string[] => lockLines(LOCKS[job], lockOwner(job), force)

export interface DumpOptions {
  base: string
  kind: BackupKind
  /** Database to dump (the live one). */
  database: string
  /** Recorded in the manifest. */
  host: string
  /** The backup's time: its file name and its manifest both (one clock; --now can set it). */
  at: Date
}

/** The variables of one dump (backup.sh's `dump`). */
export function dumpVars(o: DumpOptions): string[] {
  const f = files(o.base)
  return bind({
    base: o.base,
    kind: o.kind,
    database: o.database,
    host: o.host,
    taken_at: o.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    dump_file: f.dump,
    roles_file: f.roles,
    manifest_file: f.manifest,
    partial: PARTIAL_PREFIX,
    compression: COMPRESSION,
    manifest_format: MANIFEST_FORMAT,
    checksum_algorithm: CHECKSUM_ALGORITHM,
    stats_sql: statsSql(),
  })
}
