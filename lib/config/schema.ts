// The shape of the three config files (stack-config.yml, worker-nodes.yml, secrets.yml), as zod schemas.
// Cross-field rules live in checks.ts; this file only says what each field may hold.
import * as z from 'zod'
import { isIP } from './ip.ts'

// One parse per run: zod's compiled (new Function) parsers cost more to build than they save here.
z.config({ jitless: true })

const absPath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), {
    message: 'must be an absolute path (starting with /)',
  })
  // It names a directory on a host and (compose_path) a compose project: a quoted `$(…)` or space there
  // still makes that literal directory, and a second project beside the real one.
  .refine((p) => !p.startsWith('/') || /^(\/[A-Za-z0-9._-]+)+\/?$/.test(p), {
    message: 'must be a plain path: letters, digits, . _ - between the slashes (no spaces or shell characters)',
  })
const hostName = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: 'must be a host name: lowercase letters, digits and dashes',
})
const port = z.number().int().min(1).max(65535)
/** A database or role name as used in SQL and backup file names: a plain lower-case identifier. */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const pgIdentifier = z
  .string()
  .regex(
    PG_IDENTIFIER,
    'must be a plain lower-case identifier (letters, digits, _): it names the database in SQL and in backup file names',
  )
const address = z.string().refine((a) => isIP(a) !== 0, {
  message: 'must be an IP address (four numbers 0–255, e.g. 192.168.50.10; or IPv6)',
})
/** What ssh is given for a host: [user@]name. Never anything ssh would read as an option (-oProxyCommand=…). */
export const SSH_TARGET = /^([a-z_][a-z0-9_.-]*@)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/
const sshTarget = z.string().regex(SSH_TARGET, {
  message: 'must be [user@]host (an ssh_config alias, a DNS name or an address); never an ssh option',
})
/** A DNS zone: dot-separated labels of letters, digits and inner dashes. */
const zone = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
  message: 'must be a DNS zone: labels of lowercase letters, digits and inner dashes, joined by single dots',
})
/** An image reference pinned to an exact version: a tag with a digit (never `latest`) or a digest. */
const pinnedImage = z
  .string()
  .refine((s) => /@sha256:[0-9a-f]{64}$/.test(s) || (/:[^/:]*\d[^/:]*$/.test(s) && !/:latest$/.test(s)), {
    message:
      'must be pinned to an exact version (e.g. name:2.19.3-pg17 or name@sha256:…); floating tags break restores',
  })

/** `env:` of a service: a list of variable names, or a map of name → literal value (null = from the contract). */
const envSpec = z.union([
  z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: 'must be an UPPER_SNAKE variable name' })),
  z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.union([z.string(), z.number(), z.null()])),
])

/** A compose duration: 500ms, 3s, 2m, 1h (one unit). */
const duration = z.string().regex(/^[1-9][0-9]*(ms|s|m|h)$/, { message: 'must be a duration like 3s, 500ms or 2m' })

const hostEntry = z.strictObject({
  address,
  ssh: sshTarget.optional(),
})

const service = z.strictObject({
  image: pinnedImage.optional(),
  env: envSpec.optional(),
  /** Why this config set leaves the service out (e.g. the lab cannot build it). */
  disabled: z.string().min(1).optional(),
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
const backups = z.strictObject({
  /** Relative to shared.host_path / shared.container_path (design §6.5: /mnt/shared/db-backups). */
  subdir: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/)
    .default('db-backups'),
  keep_days: z.number().int().min(1).default(30),
  /** Never prune when the newest verified backup is older than this (backups have stopped: keep what exists). */
  prune_guard_hours: z.number().int().min(1).default(26),
  max_deletions_per_run: z.number().int().min(1).default(10),
  /** backup-status exits non-zero when the newest verified backup is older than this. */
  status_max_age_hours: z.number().int().min(1).default(26),
})

/** Shared-storage snapshots (design §8.3, open question 2). */
const snapshots = z.discriminatedUnion('backend', [
  z.strictObject({
    backend: z.literal('btrfs'),
    source: absPath,
    dir: absPath,
    keep: z
      .strictObject({
        hourly: z.number().int().min(0).default(24),
        daily: z.number().int().min(0).default(30),
        weekly: z.number().int().min(0).default(8),
      })
      .default({ hourly: 24, daily: 30, weekly: 8 }),
    copy_to: z.string().min(1).optional(),
  }),
  z.strictObject({
    backend: z.literal('zfs'),
    dataset: z.string().regex(/^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/),
    keep: z
      .strictObject({
        hourly: z.number().int().min(0).default(24),
        daily: z.number().int().min(0).default(30),
        weekly: z.number().int().min(0).default(8),
      })
      .default({ hourly: 24, daily: 30, weekly: 8 }),
    copy_to: z.string().min(1).optional(),
  }),
])

export const stackConfigSchema = z.strictObject({
  registry: z.strictObject({
    url: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must look like ghcr.io/<org>' }),
    username: z.string().min(1),
  }),
  images: z.strictObject({
    base: z.string().min(1).default('ktrdr-base'),
    backend: z.string().min(1).default('ktrdr-backend'),
    worker: z.string().min(1).default('ktrdr-worker'),
  }),
  dns: z
    .strictObject({
      zone: zone.default('internal'),
    })
    .default({ zone: 'internal' }),
  ssh: z
    .strictObject({
      user: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]*$/, { message: 'must be a user name: lowercase letters, digits, _ and -' })
        .default('root'),
      config_file: z.string().min(1).optional(),
      connect_timeout: z.number().int().min(1).max(120).default(10),
    })
    .default({ user: 'root', connect_timeout: 10 }),
  network: z.strictObject({ mode: z.enum(['bridge', 'host']).default('bridge') }).default({ mode: 'bridge' }),
  hosts: z.record(hostName, hostEntry),
  shared: z.strictObject({
    export_path: absPath.default('/srv/ktrdr-shared'),
    host_path: absPath.default('/mnt/ktrdr-shared'),
    container_path: absPath.default('/mnt/shared'),
    /** Who may mount the NFS export: the hosts' subnet (e.g. 192.168.50.0/24). Default: the /24 of the hosts. */
    nfs_clients: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { message: 'must be an IPv4 subnet, e.g. 192.168.50.0/24' })
      .optional(),
  }),
  database: z.strictObject({
    name: pgIdentifier.default('ktrdr'),
    user: pgIdentifier.default('ktrdr'),
    port: port.default(5432),
  }),
  backend: z.strictObject({ port: port.default(8000) }).default({ port: 8000 }),
  /** How many deploy records each host keeps beside its compose file (rollback targets; images they name stay). */
  deploys: z.strictObject({ keep_records: z.number().int().min(2).max(100).default(10) }).default({ keep_records: 10 }),
  core: z.strictObject({
    host: hostName,
    compose_path: absPath,
    services: z.strictObject(
      Object.fromEntries(CORE_SERVICES.map((s) => [s, service.optional()])) as Record<
        CoreServiceName,
        z.ZodOptional<typeof service>
      >,
    ),
  }),
  workers: z.strictObject({ env: envSpec }),
  backups: backups.default({
    subdir: 'db-backups',
    keep_days: 30,
    prune_guard_hours: 26,
    max_deletions_per_run: 10,
    status_max_age_hours: 26,
  }),
  snapshots: snapshots.optional(),
  /**
   * The health check of our images (backend, workers) as deployed, where it must differ from the images' own
   * (templates/Dockerfile.*: every 15 s, fit for production): the lab checks every few seconds.
   */
  healthcheck: z
    .strictObject({
      interval: duration.optional(),
      timeout: duration.optional(),
      start_period: duration.optional(),
      retries: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
})

export const workerNodesSchema = z.strictObject({
  worker_nodes: z.array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { message: 'must be a short name like B or gpu-1' }),
      host: hostName,
      compose_path: absPath,
      replicas: z.number().int().min(1).max(64).default(1),
      port: port.default(9000),
      address: address.optional(),
      ssh: sshTarget.optional(),
    }),
  ),
})

export const SECRET_PROVIDERS = ['op', 'env', 'azure'] as const
export type SecretProviderName = (typeof SECRET_PROVIDERS)[number]

export const secretsSchema = z.strictObject({
  provider: z.enum(SECRET_PROVIDERS).default('op'),
  secrets: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string().min(1)),
  /** What a developer's .env.dev gets, and all it gets: dev never falls back to `secrets:`. */
  dev_secrets: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string().min(1)).optional(),
})

export type StackConfig = z.output<typeof stackConfigSchema>
export type WorkerNodesFile = z.output<typeof workerNodesSchema>
export type SecretsFile = z.output<typeof secretsSchema>
export type EnvSpec = z.output<typeof envSpec>
