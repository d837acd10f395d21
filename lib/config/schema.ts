// The shape of the three config files (stack-config.yml, worker-nodes.yml, secrets.yml), in lib/config/shape.ts's
// builders: each is zod/mini's schema (its English messages: classic zod's core, checks and messages, without the
// methods classic builds onto every schema) and a check of its own that gives the same value without loading zod.
// Cross-field rules live in checks.ts; this file only says what each field may hold.
import { isIP } from './ip.ts'
import {
  array,
  discriminatedUnion,
  int,
  literal,
  minLength,
  nul,
  num,
  oneOf,
  opt,
  type Out,
  record,
  refine,
  regex,
  str,
  strictObject,
  union,
  withDefault,
} from './shape.ts'

const nonEmpty = () => str(minLength(1))

const absPath = str(
  minLength(1),
  refine((p) => p.startsWith('/'), {
    message: 'must be an absolute path (starting with /)',
  }),
  // It names a directory on a host and (compose_path) a compose project: a quoted `$(…)` or space there
  // still makes that literal directory, and a second project beside the real one.
  refine((p) => !p.startsWith('/') || /^(\/[A-Za-z0-9._-]+)+\/?$/.test(p), {
    message: 'must be a plain path: letters, digits, . _ - between the slashes (no spaces or shell characters)',
  }),
)
const hostName = str(
  regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: 'must be a host name: lowercase letters, digits and dashes',
  }),
)
const port = int(1, 65535)
/** A database or role name as used in SQL and backup file names: a plain lower-case identifier. */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const pgIdentifier = str(
  regex(
    PG_IDENTIFIER,
    'must be a plain lower-case identifier (letters, digits, _): it names the database in SQL and in backup file names',
  ),
)
const address = str(
  refine((a) => isIP(a) !== 0, {
    message: 'must be an IP address (four numbers 0–255, e.g. 192.168.50.10; or IPv6)',
  }),
)
/** What ssh is given for a host: [user@]name. Never anything ssh would read as an option (-oProxyCommand=…). */
export const SSH_TARGET = /^([a-z_][a-z0-9_.-]*@)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/
const sshTarget = str(
  regex(SSH_TARGET, {
    message: 'must be [user@]host (an ssh_config alias, a DNS name or an address); never an ssh option',
  }),
)
/** A DNS zone: dot-separated labels of letters, digits and inner dashes. */
const zone = str(
  regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
    message: 'must be a DNS zone: labels of lowercase letters, digits and inner dashes, joined by single dots',
  }),
)
/** An image reference pinned to an exact version: a tag with a digit (never `latest`) or a digest. */
const pinnedImage = str(
  refine((s) => /@sha256:[0-9a-f]{64}$/.test(s) || (/:[^/:]*\d[^/:]*$/.test(s) && !/:latest$/.test(s)), {
    message:
      'must be pinned to an exact version (e.g. name:2.19.3-pg17 or name@sha256:…); floating tags break restores',
  }),
)
const upperSnake = /^[A-Z][A-Z0-9_]*$/

/** `env:` of a service: a list of variable names, or a map of name → literal value (null = from the contract). */
const envSpec = union([
  array(str(regex(upperSnake, { message: 'must be an UPPER_SNAKE variable name' }))),
  record(str(regex(upperSnake)), union([str(), num(), nul()])),
])

/** A compose duration: 500ms, 3s, 2m, 1h (one unit); lib/config/model.ts's durationSeconds reads it. */
export const DURATION = /^([1-9][0-9]*)(ms|s|m|h)$/
const duration = str(regex(DURATION, { message: 'must be a duration like 3s, 500ms or 2m' }))

const hostEntry = strictObject({
  address,
  ssh: opt(sshTarget),
})

const service = strictObject({
  image: opt(pinnedImage),
  env: opt(envSpec),
  /** Why this config set leaves the service out (e.g. the lab cannot build it). */
  disabled: opt(nonEmpty()),
})

export const CORE_SERVICES = ['db', 'backend', 'prometheus', 'grafana', 'jaeger', 'nfs-server'] as const
export type CoreServiceName = (typeof CORE_SERVICES)[number]
/** The ports the core's fixed services publish on the core host (db's and the backend's come from config). */
export const CORE_PORTS: Partial<Record<CoreServiceName, number>> = {
  prometheus: 9090,
  grafana: 3000,
  jaeger: 16686,
  'nfs-server': 2049,
}

/** Database backups (design §8.2): where dumps go and how long they are kept. */
const backups = strictObject({
  /** Relative to shared.host_path / shared.container_path (design §6.5: /mnt/shared/db-backups). */
  subdir: withDefault(str(regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/)), 'db-backups'),
  keep_days: withDefault(int(1), 30),
  /** Never prune when the newest verified backup is older than this (backups have stopped: keep what exists). */
  prune_guard_hours: withDefault(int(1), 26),
  max_deletions_per_run: withDefault(int(1), 10),
  /** backup-status exits non-zero when the newest verified backup is older than this. */
  status_max_age_hours: withDefault(int(1), 26),
  /** Days a restore's replaced copy of the database is kept before the prune drops it (0: only restore-cleanup). */
  replaced_keep_days: withDefault(int(0, 3650), 7),
})

/**
 * Point-in-time recovery (docs/backup.md): the db's WAL archived continuously by pgBackRest into a repository
 * on the shared storage, with base backups taken by make backup. Absent: no archiving, logical dumps only.
 */
const pitr = strictObject({
  /** The repository, relative to shared.host_path / shared.container_path. */
  subdir: withDefault(str(regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/)), 'pgbackrest'),
  /** Seconds: the server switches to a new WAL segment (and archives it) at least this often. The RPO bound. */
  archive_timeout: withDefault(int(5, 3600), 60),
  /** make backup takes a full base backup when the newest is older than this, else a differential one. */
  full_every_days: withDefault(int(1, 365), 7),
})

const snapshotKeep = () =>
  withDefault(
    strictObject({
      hourly: withDefault(int(0), 24),
      daily: withDefault(int(0), 30),
      weekly: withDefault(int(0), 8),
    }),
    { hourly: 24, daily: 30, weekly: 8 },
  )

/**
 * make backup-status (and the Prometheus textfile every backup and snapshot job writes): each figure is red past
 * its threshold (docs/backup.md, "Watching the backups"). The dump's is backups.status_max_age_hours.
 */
const monitoring = strictObject({
  /** The newest base backup (pitr:): make backup takes one a day. */
  base_backup_max_age_hours: withDefault(int(1), 26),
  /** Seconds a finished WAL segment may wait for the archiver (pitr:); a good day's push takes a second. */
  archive_max_lag_seconds: withDefault(int(1), 300),
  /** The newest passed restore drill: the drill timer runs one a week. */
  drill_max_age_days: withDefault(int(1), 8),
  /** The newest snapshot (snapshots:): the snapshot timer takes one an hour. */
  snapshot_max_age_hours: withDefault(int(1), 2),
  /** The newest copy off node A (snapshots.copy_to): sent after each hourly snapshot. */
  copy_max_age_hours: withDefault(int(1), 3),
  /** On the core host, for node_exporter's textfile collector (Debian's directory by default). */
  textfile: withDefault(absPath, '/var/lib/prometheus/node-exporter/ktrdr_backups.prom'),
})

/** Shared-storage snapshots (design §8.3, open question 2). */
const snapshots = discriminatedUnion('backend', [
  strictObject({
    backend: literal('btrfs'),
    source: absPath,
    dir: absPath,
    keep: snapshotKeep(),
    copy_to: opt(nonEmpty()),
  }),
  strictObject({
    backend: literal('zfs'),
    dataset: str(regex(/^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/)),
    keep: snapshotKeep(),
    copy_to: opt(nonEmpty()),
  }),
])

export const stackConfigSchema = strictObject({
  registry: strictObject({
    url: str(regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must look like ghcr.io/<org>' })),
    username: nonEmpty(),
  }),
  images: strictObject({
    base: withDefault(nonEmpty(), 'ktrdr-base'),
    backend: withDefault(nonEmpty(), 'ktrdr-backend'),
    worker: withDefault(nonEmpty(), 'ktrdr-worker'),
    /** With pitr: the db pin with pgBackRest (templates/Dockerfile.db), as <registry>/<db>:<the pin's tag>. */
    db: withDefault(nonEmpty(), 'ktrdr-db'),
  }),
  dns: withDefault(strictObject({ zone: withDefault(zone, 'internal') }), { zone: 'internal' }),
  ssh: withDefault(
    strictObject({
      user: withDefault(
        str(regex(/^[a-z_][a-z0-9_-]*$/, { message: 'must be a user name: lowercase letters, digits, _ and -' })),
        'root',
      ),
      config_file: opt(nonEmpty()),
      connect_timeout: withDefault(int(1, 120), 10),
    }),
    { user: 'root', connect_timeout: 10 },
  ),
  network: withDefault(strictObject({ mode: withDefault(oneOf(['bridge', 'host']), 'bridge') }), { mode: 'bridge' }),
  hosts: record(hostName, hostEntry),
  shared: strictObject({
    export_path: withDefault(absPath, '/srv/ktrdr-shared'),
    host_path: withDefault(absPath, '/mnt/ktrdr-shared'),
    container_path: withDefault(absPath, '/mnt/shared'),
    /** Who may mount the NFS export: the hosts' subnet (e.g. 192.168.50.0/24). Default: the /24 of the hosts. */
    nfs_clients: opt(
      str(regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { message: 'must be an IPv4 subnet, e.g. 192.168.50.0/24' })),
    ),
  }),
  database: strictObject({
    name: withDefault(pgIdentifier, 'ktrdr'),
    user: withDefault(pgIdentifier, 'ktrdr'),
    port: withDefault(port, 5432),
  }),
  backend: withDefault(strictObject({ port: withDefault(port, 8000) }), { port: 8000 }),
  /** How many deploy records each host keeps beside its compose file (rollback targets; images they name stay). */
  deploys: withDefault(strictObject({ keep_records: withDefault(int(2, 100), 10) }), { keep_records: 10 }),
  core: strictObject({
    host: hostName,
    compose_path: absPath,
    services: strictObject(
      Object.fromEntries(CORE_SERVICES.map((s) => [s, opt(service)])) as Record<
        CoreServiceName,
        ReturnType<typeof opt<Out<typeof service>>>
      >,
    ),
  }),
  workers: strictObject({ env: envSpec }),
  backups: withDefault(backups, {
    subdir: 'db-backups',
    keep_days: 30,
    prune_guard_hours: 26,
    max_deletions_per_run: 10,
    status_max_age_hours: 26,
    replaced_keep_days: 7,
  }),
  pitr: opt(pitr),
  snapshots: opt(snapshots),
  monitoring: withDefault(monitoring, {
    base_backup_max_age_hours: 26,
    archive_max_lag_seconds: 300,
    drill_max_age_days: 8,
    snapshot_max_age_hours: 2,
    copy_max_age_hours: 3,
    textfile: '/var/lib/prometheus/node-exporter/ktrdr_backups.prom',
  }),
  /**
   * The health check of our images (backend, workers) as deployed, where it must differ from the images' own
   * (templates/Dockerfile.*: every 15 s, fit for production): the lab checks every few seconds.
   */
  healthcheck: opt(
    strictObject({
      interval: opt(duration),
      timeout: opt(duration),
      start_period: opt(duration),
      retries: opt(int(1, 100)),
    }),
  ),
})

export const workerNodesSchema = strictObject({
  worker_nodes: array(
    strictObject({
      name: str(regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { message: 'must be a short name like B or gpu-1' })),
      host: hostName,
      compose_path: absPath,
      replicas: withDefault(int(1, 64), 1),
      port: withDefault(port, 9000),
      address: opt(address),
      ssh: opt(sshTarget),
      /** How long a rolling deploy waits for a replica to finish its job (lib/deploy/rolling.sh). */
      drain_timeout: withDefault(duration, '10m'),
      /** How many of the node's replicas a rolling deploy takes out at once (checks.ts: below replicas). */
      max_unavailable: opt(int(1, 64)),
      /** compose's stop_grace_period: SIGTERM to SIGKILL, the time a worker that must stop has to checkpoint. */
      stop_grace_period: opt(duration),
    }),
  ),
})

export const SECRET_PROVIDERS = ['op', 'env', 'azure'] as const
export type SecretProviderName = (typeof SECRET_PROVIDERS)[number]

export const secretsSchema = strictObject({
  provider: withDefault(oneOf(SECRET_PROVIDERS), 'op'),
  secrets: record(str(regex(upperSnake)), nonEmpty()),
  /** What a developer's .env.dev gets, and all it gets: dev never falls back to `secrets:`. */
  dev_secrets: opt(record(str(regex(upperSnake)), nonEmpty())),
})

export type StackConfig = Out<typeof stackConfigSchema>
export type WorkerNodesFile = Out<typeof workerNodesSchema>
export type SecretsFile = Out<typeof secretsSchema>
export type EnvSpec = Out<typeof envSpec>
