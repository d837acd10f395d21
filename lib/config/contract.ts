// The env-var contract (design §3.1–3.2, §6.4): every variable the app and the toolkit agree on,
// its kind, who needs it, and how each environment resolves it. Topology is derived from config, never guessed.
import { type Config, fqdn, replicaPort, type WorkerNode } from './model.ts'
import type { EnvSpec } from './schema.ts'

export type VarKind = 'plain' | 'secret' | 'topology'
export const ENVIRONMENTS = ['dev', 'homelab', 'azure'] as const
export type Environment = (typeof ENVIRONMENTS)[number]
/** Who consumes a variable: the app's services, the stack's own (grafana), or the deploy tool (registry login). */
export type Consumer = 'backend' | 'worker' | 'db' | 'grafana' | 'deploy'

export interface Target {
  environment: Environment
  service: Consumer
  node?: WorkerNode
  replica?: number
}

export interface VarSpec {
  name: string
  kind: VarKind
  description: string
  /** Services that cannot start without it. */
  neededBy: readonly Consumer[]
  /** Plain and topology values: derived from config for the target. Secrets come from the secrets map. */
  derive?: (cfg: Config, t: Target) => string
}

const workerHost = (cfg: Config, t: Target): string =>
  t.environment === 'dev' ? (t.replica && t.replica > 1 ? `worker-${t.replica}` : 'worker') : fqdn(cfg, t.node!.host)
const workerPort = (t: Target): number => replicaPort(t.node!, t.replica ?? 1)

export const CONTRACT: readonly VarSpec[] = [
  {
    name: 'DB_HOST',
    kind: 'topology',
    neededBy: ['backend'],
    description: 'database host as the backend sees it (compose service name on the core node)',
    derive: () => 'db',
  },
  {
    name: 'DB_PORT',
    kind: 'plain',
    neededBy: ['backend'],
    description: 'database port',
    derive: (c) => String(c.stack.database.port),
  },
  {
    name: 'DB_NAME',
    kind: 'plain',
    neededBy: ['backend', 'db'],
    description: 'database name',
    derive: (c) => c.stack.database.name,
  },
  {
    name: 'DB_USER',
    kind: 'plain',
    neededBy: ['backend', 'db'],
    description: 'database role the app connects as',
    derive: (c) => c.stack.database.user,
  },
  { name: 'DB_PASSWORD', kind: 'secret', neededBy: ['backend', 'db'], description: 'password of DB_USER' },
  {
    name: 'BACKEND_PORT',
    kind: 'plain',
    neededBy: [],
    description: 'port the backend listens on (optional, default 8000)',
    derive: (c) => String(c.stack.backend.port),
  },
  {
    name: 'BACKEND_BASE_URL',
    kind: 'topology',
    neededBy: ['worker'],
    description: 'where workers reach the backend (§6.4)',
    derive: (c, t) =>
      `http://${t.environment === 'dev' ? 'backend' : fqdn(c, c.stack.core.host)}:${c.stack.backend.port}`,
  },
  {
    name: 'WORKER_PUBLIC_BASE_URL',
    kind: 'topology',
    neededBy: ['worker'],
    description: 'where the backend calls this worker replica back (§6.4)',
    derive: (c, t) => `http://${workerHost(c, t)}:${workerPort(t)}`,
  },
  {
    name: 'WORKER_PORT',
    kind: 'topology',
    neededBy: ['worker'],
    description: 'port this worker replica listens on (node port + replica - 1)',
    derive: (_c, t) => String(workerPort(t)),
  },
  {
    name: 'SHARED_MOUNT_PATH',
    kind: 'plain',
    neededBy: ['backend', 'worker'],
    description: 'shared storage inside containers (§6.5)',
    derive: (c) => c.stack.shared.container_path,
  },
  { name: 'JWT_SECRET', kind: 'secret', neededBy: ['backend'], description: 'signs the API tokens' },
  {
    name: 'GRAFANA_ADMIN_PASSWORD',
    kind: 'secret',
    neededBy: ['grafana'],
    description: "Grafana's admin password (GF_SECURITY_ADMIN_PASSWORD; not the app's)",
  },
  {
    name: 'BROKER_API_KEY',
    kind: 'secret',
    neededBy: ['worker'],
    description: 'broker API key used by training/backtest jobs',
  },
  {
    name: 'LOG_LEVEL',
    kind: 'plain',
    neededBy: [],
    description: 'log level (optional, default info)',
    derive: () => 'info',
  },
  {
    name: 'REGISTRY_USERNAME',
    kind: 'plain',
    neededBy: ['deploy'],
    description: 'registry user the hosts pull with',
    derive: (c) => c.stack.registry.username,
  },
  {
    name: 'REGISTRY_PASSWORD',
    kind: 'secret',
    neededBy: ['deploy'],
    description: 'registry password or token (GHCR: a PAT with read:packages)',
  },
]

export const CONTRACT_BY_NAME: ReadonlyMap<string, VarSpec> = new Map(CONTRACT.map((v) => [v.name, v]))

export function specOf(name: string): VarSpec | undefined {
  return CONTRACT_BY_NAME.get(name)
}

/** The variables the app reads (what env.dev.example and the services' env lists cover). */
export const APP_VARIABLES = CONTRACT.filter((v) => !v.neededBy.some((c) => c === 'deploy' || c === 'grafana')).map(
  (v) => v.name,
)

/** name → literal (or null for "from the contract"), in the order config lists them. */
export function envEntries(spec: EnvSpec | undefined): [string, string | null][] {
  if (!spec) return []
  if (Array.isArray(spec)) return spec.map((n) => [n, null])
  return Object.entries(spec).map(([n, v]) => [n, v === null ? null : String(v)])
}
