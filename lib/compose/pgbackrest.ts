// Point-in-time recovery's configuration (docs/backup.md, "Point-in-time recovery"): the db server's
// archiving settings, as its command line, and pgBackRest's configuration file, shipped beside the core's
// compose file and mounted read-only into the db container. Both come from stack-config.yml (pitr, backups,
// shared, database): no secret is in either (pgBackRest reaches the server over its trusted socket).
import { type Config, imageRef } from '../config/model.ts'
import { OpsError } from '../errors.ts'

/** pgBackRest's name for the cluster: its repository's archive/ktrdr and backup/ktrdr. */
export const STANZA = 'ktrdr'

/** The db image's data directory (the official postgres image's PGDATA, the lab image's too). */
export const PGDATA = '/var/lib/postgresql/data'

/** Where the db container reads pgBackRest's configuration (its default path). */
export const PGBACKREST_CONF = '/etc/pgbackrest/pgbackrest.conf'

/**
 * The directory, inside the data directory, of the clusters the toolkit puts beside the live one (a
 * point-in-time restore's scratch copy, the replaced copy it keeps): the same file system, so the swap is a
 * rename. Base backups leave it out (pgBackRest's `exclude` matches an entry's whole name, not a prefix).
 */
export const SIDE_DIR = '.ktrdr-side'

export type Pitr = NonNullable<Config['stack']['pitr']>

/** The tag of an image reference (registry.internal:5000/ns/name:tag → tag), or undefined (none, or a digest). */
export function tagOf(ref: string): string | undefined {
  if (ref.includes('@')) return undefined
  const name = ref.slice(ref.lastIndexOf('/') + 1)
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : undefined
}

/**
 * The image the core's db runs. With pitr: the pin with pgBackRest, built by CI from templates/Dockerfile.db
 * (make build-db) as <registry.url>/<images.db>:<the pin's tag>: the upstream pin has no pgBackRest, and the
 * archive_command would fail on every segment. Without pitr: the pin itself.
 */
export function dbImage(cfg: Config): string | undefined {
  const pin = cfg.stack.core.services.db?.image
  if (!cfg.stack.pitr || !pin) return pin
  const tag = tagOf(pin)
  if (!tag)
    throw new OpsError(
      `${cfg.files.stack}: core.services.db.image ${pin} has no tag, and pitr: needs one for the db image ` +
        `with pgBackRest (<registry>/${cfg.stack.images.db}:<tag>)`,
      { hint: 'pin the db image by tag, e.g. timescale/timescaledb:2.19.3-pg17', exitCode: 2 },
    )
  return imageRef(cfg, 'db', tag)
}

/** The repository: the host's and the container's views of it (under shared.host_path / container_path). */
export function repoDirs(cfg: Config, p: Pitr): { host: string; container: string } {
  return {
    host: `${cfg.stack.shared.host_path}/${p.subdir}`,
    container: `${cfg.stack.shared.container_path}/${p.subdir}`,
  }
}

/**
 * The db server's command line: WAL archived by pgBackRest, a segment switch at least every archive_timeout
 * seconds (the RPO bound). A failed archive_command keeps the segment in pg_wal and retries it: the server
 * goes on, and the archive catches up once the repository can be written again.
 */
export function dbCommand(p: Pitr): string[] {
  const settings = [
    'wal_level=replica',
    'archive_mode=on',
    `archive_command=pgbackrest --stanza=${STANZA} archive-push %p`,
    `archive_timeout=${p.archive_timeout}`,
  ]
  return ['postgres', ...settings.flatMap((s) => ['-c', s])]
}

/**
 * The db's health check also wakes the checkpointer once per server start: since PostgreSQL 15 it starts
 * while the startup process runs (commit 7ff23c6d, "Run checkpointer and bgwriter in crash recovery"), sees
 * recovery in progress, and sleeps checkpoint_timeout (5 min) without honouring archive_timeout; nothing wakes
 * it when the startup ends. Measured here: no forced segment switch for 5 min after every start, then one every
 * archive_timeout — after a restart the RPO was checkpoint_timeout, not archive_timeout. A configuration
 * reload wakes it (its latch), and the reload time then tells that it was done: the server's configuration is
 * loaded just before its start time is set, so only a server never reloaded has a load time before its start.
 */
export function wakeCheckpointer(port: number, user: string): string {
  return (
    `psql -XAtq -h 127.0.0.1 -p ${port} -U ${user} -d postgres -c "SELECT pg_reload_conf() ` +
    'WHERE pg_conf_load_time() < pg_postmaster_start_time()" >/dev/null'
  )
}

/** pgbackrest.conf. Retention: full backups by time, backups.keep_days, with their WAL (pgBackRest's expire). */
export function pgbackrestConf(cfg: Config, p: Pitr): string {
  const s = cfg.stack
  const lines = [
    '# pgBackRest for the ktrdr db, rendered by ktrdr-ops from stack-config.yml (pitr, backups, shared, database).',
    '[global]',
    `repo1-path=${repoDirs(cfg, p).container}`,
    'repo1-retention-full-type=time',
    `repo1-retention-full=${s.backups.keep_days}`,
    'repo1-bundle=y',
    'compress-type=zst',
    'start-fast=y',
    'process-max=2',
    'log-level-console=warn',
    'log-level-stderr=off',
    'log-level-file=off',
    '',
    `[${STANZA}]`,
    `pg1-path=${PGDATA}`,
    `pg1-port=${s.database.port}`,
    `pg1-user=${s.database.user}`,
    'pg1-socket-path=/var/run/postgresql',
    `exclude=${SIDE_DIR}`,
  ]
  return `${lines.join('\n')}\n`
}
