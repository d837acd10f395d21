// Point-in-time recovery's jobs as data: lib/pitr/pitr.sh's functions after the backup area's (backups_dir,
// db_container, job_as) and the restore's (stop_backend), with the variables bound for them.
import { dirname } from 'node:path'
import { areaVars, locks, RESTORE_LIB } from '../backup/job.ts'
import { statsSql } from '../backup/stats-sql.ts'
import type { Config } from '../config/model.ts'
import { bind, type Bound, type ScriptParts } from '../job/render.ts'
import { dbImage, type Pitr, PGBACKREST_CONF, PGDATA, repoDirs, SIDE_DIR, STANZA } from '../compose/pgbackrest.ts'

export const PITR_LIB = [...RESTORE_LIB, 'pitr/pitr.sh'] as const

export function pitrVars(cfg: Config, p: Pitr): Record<string, Bound> {
  const repo = repoDirs(cfg, p)
  return {
    ...areaVars(cfg),
    stanza: STANZA,
    repo: repo.container,
    repo_host: repo.host,
    pgdata: PGDATA,
    side: SIDE_DIR,
    conf: PGBACKREST_CONF,
    conf_host: `${dirname(cfg.stack.core.compose_path)}/pgbackrest.conf`,
    shared_cpath: cfg.stack.shared.container_path,
    volume: `${areaVars(cfg).project}_dbdata`,
    db_image: dbImage(cfg) ?? '',
    db_port: cfg.stack.database.port,
    database: cfg.stack.database.name,
  }
}

/** A base backup (full or differential) into the repository, its stanza created first if need be. */
export function baseBackupScript(cfg: Config, p: Pitr, type: 'full' | 'diff'): ScriptParts {
  return {
    lib: PITR_LIB,
    body: [
      ...bind({ ...pitrVars(cfg, p), backup_type: type }),
      'backups_dir',
      ...locks('base-backup'),
      'db_container',
      'pitr_repo',
      'base_backup',
    ],
  }
}

/** Read-only: the repository's backups and archive (pgBackRest's info) and its newest WAL segment. */
export function pitrInfoScript(cfg: Config, p: Pitr): ScriptParts {
  return { lib: PITR_LIB, body: [...bind(pitrVars(cfg, p)), 'backups_dir', 'pitr_info'] }
}

/** Phase 1 of a restore to a moment: the scratch cluster, restored, recovered to `target` and checked. */
export function pitrRestoreIntoScript(cfg: Config, p: Pitr, o: { target: string; rstamp: string }): ScriptParts {
  return {
    lib: PITR_LIB,
    body: [
      ...bind({ ...pitrVars(cfg, p), target: o.target, rstamp: o.rstamp, stats_sql: statsSql(undefined, false) }),
      'backups_dir',
      ...locks('restore-pitr'),
      'pitr_restore_into',
    ],
  }
}

/** Phase 2: backend and db stopped, the scratch cluster renamed into place (the replaced one kept), restarted. */
export function pitrSwapScript(cfg: Config, p: Pitr, rstamp: string): ScriptParts {
  return {
    lib: PITR_LIB,
    body: [...bind({ ...pitrVars(cfg, p), rstamp }), 'backups_dir', ...locks('restore-pitr'), 'pitr_swap'],
  }
}

/** Read-only: the clusters restores kept beside the live one (pitr.sh's side_list). */
export function sideListScript(cfg: Config, p: Pitr): ScriptParts {
  return { lib: PITR_LIB, body: [...bind(pitrVars(cfg, p)), 'backups_dir', 'side_list'] }
}

/** make restore-cleanup: remove these kept clusters, under the point-in-time restore's lock. */
export function sideDropScript(cfg: Config, p: Pitr, names: string[]): ScriptParts {
  return {
    lib: PITR_LIB,
    body: [...bind({ ...pitrVars(cfg, p), drop_names: names }), 'backups_dir', ...locks('restore-pitr'), 'side_drop'],
  }
}

/**
 * The repository and its stanza, set up (idempotent): after a deploy of the db, so archiving works at once.
 * newCluster (make recover-core): a repository of the cluster this one replaced is taken over, not refused.
 */
export function repoScript(cfg: Config, p: Pitr, newCluster = false): ScriptParts {
  return {
    lib: PITR_LIB,
    body: [
      ...bind({ ...pitrVars(cfg, p), ...(newCluster ? { new_cluster: 1 } : {}) }),
      'backups_dir',
      ...locks('base-backup'),
      'db_container',
      'pitr_repo',
    ],
  }
}
