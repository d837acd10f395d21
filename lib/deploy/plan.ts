// What one deploy does on each host, as data: the rendered files, the services, the secrets to export.
// Built before anything runs, so config or contract errors stop the run with nothing touched.
import { parse } from 'yaml'
import type { CoreServiceName } from '../config/schema.ts'
import {
  type Config,
  enabledCoreServices,
  type Host,
  hostOf,
  imageRef,
  replicaPort,
  type WorkerNode,
} from '../config/model.ts'
import { planEnv, type PlannedVar } from '../contract/resolve.ts'
import { renderCoreCompose, type ShippedFile } from '../compose/core.ts'
import { renderWorkersCompose, workerServiceNames } from '../compose/workers.ts'
import { UsageError } from '../errors.ts'
import { type Lock, LOCKS, nodeLock } from '../job/lock.ts'

export interface HostDeploy {
  /** "node B" or "core". */
  label: string
  /** The job and the locks it takes on the host (lib/job/lock.ts). */
  job: 'deploy-core' | 'deploy-workers'
  locks: readonly Lock[]
  host: Host
  composePath: string
  compose: string
  files: ShippedFile[]
  /** Services to pull and start; all of the file's services when it lists every one. */
  services: string[]
  /** Exported into the remote shell: compose name → the contract secret whose value it carries. */
  secretExports: Record<string, string>
  /** Services whose image is ours (registry + tag): the only ones `docker compose pull` is asked for. */
  pullServices: string[]
  /** Images the tag must exist for (checked in the registry before anything changes). */
  images: string[]
  /** Every image the compose file names: when the host has them all at the registry's digests, no pull. */
  composeImages: string[]
  planned: PlannedVar[][]
  /** A rollback: the pins its record kept (config reference → digest), kept for the deploys after it. */
  recordPins?: Record<string, string>
  /** A rollback: the record it returns to. */
  rollbackTo?: number
  /** A worker node: its changed replicas are drained and replaced one batch at a time (rolling.sh). */
  rolling?: RollingPlan
}

export interface RollingPlan {
  /** worker-nodes.yml's drain_timeout, in seconds (DRAIN_TIMEOUT= overrides it: DeployOptions). */
  drainTimeoutS: number
  maxUnavailable: number
  /** address:port of each of `services`, in order: where the deploy asks a replica to drain. */
  addrs: string[]
}

/** Every image a compose file names, each once. */
export function imagesOf(compose: string): string[] {
  const services = (parse(compose) as { services?: Record<string, { image?: string }> }).services ?? {}
  return [...new Set(Object.values(services).flatMap((s) => (s.image ? [s.image] : [])))]
}

export function registryHost(cfg: Config): string {
  return cfg.stack.registry.url.split('/')[0]!
}

const deployVars = (cfg: Config) => planEnv(cfg, { environment: 'homelab', service: 'deploy' })
const secretsOf = (vars: PlannedVar[][]) =>
  Object.fromEntries(
    vars
      .flat()
      .filter((v) => v.kind === 'secret')
      .map((v) => [v.name, v.name]),
  )

/**
 * A well-formed tag for a plan made only for its host, locks and contract (rollback, `make status SECRETS=1`):
 * only the tag goes into an image name, and no image is looked at.
 */
export const PLACEHOLDER_TAG = 'sha-0000000'

export function planWorkers(cfg: Config, node: WorkerNode, tag: string): HostDeploy {
  const planned = [
    ...Array.from({ length: node.replicas }, (_, i) =>
      planEnv(cfg, { environment: 'homelab', service: 'worker', node, replica: i + 1 }),
    ),
    deployVars(cfg),
  ]
  const compose = renderWorkersCompose(cfg, node, tag)
  const host = hostOf(cfg, node.host)
  return {
    label: `node ${node.name}`,
    job: 'deploy-workers',
    locks: [nodeLock(node.name)],
    host,
    composePath: node.composePath,
    compose,
    composeImages: imagesOf(compose),
    files: [],
    services: workerServiceNames(node),
    pullServices: workerServiceNames(node),
    secretExports: secretsOf(planned),
    images: [imageRef(cfg, 'worker', tag)],
    planned,
    rolling: {
      drainTimeoutS: node.drainTimeoutS,
      maxUnavailable: node.maxUnavailable,
      addrs: workerServiceNames(node).map((_, i) => `${host.address}:${replicaPort(node, i + 1)}`),
    },
  }
}

export function planCore(cfg: Config, service: string, tag: string): HostDeploy {
  const enabled = enabledCoreServices(cfg)
  const disabled = cfg.stack.core.services[service as CoreServiceName]?.disabled
  if (disabled)
    throw new UsageError(
      `core service "${service}" is disabled in ${cfg.files.stack} (${disabled}): this config runs ` +
        `${enabled.join(', ')}`,
      `deploy one of those (or SERVICE=all), or remove disabled: from core.services.${service}`,
    )
  if (service !== 'all' && !enabled.includes(service))
    throw new UsageError(
      `unknown core service "${service}": this config runs ${enabled.join(', ')} (or SERVICE=all)`,
      `see core.services in ${cfg.files.stack}`,
    )
  const services = service === 'all' ? enabled : [service]
  // Every secret the whole file names is exported, whichever services are chosen: compose must see the
  // same config for the services it leaves alone, or it would recreate them.
  const planned = [
    ...enabled
      .filter((s) => s === 'backend' || s === 'db' || s === 'grafana')
      .map((s) => planEnv(cfg, { environment: 'homelab', service: s as 'backend' | 'db' | 'grafana' })),
    deployVars(cfg),
  ]
  const { compose, files } = renderCoreCompose(cfg, tag)
  const exports = secretsOf(planned)
  if (enabled.includes('db')) exports.POSTGRES_PASSWORD = 'DB_PASSWORD'
  if (enabled.includes('grafana')) exports.GF_SECURITY_ADMIN_PASSWORD = 'GRAFANA_ADMIN_PASSWORD'
  return {
    label: 'core',
    job: 'deploy-core',
    locks: LOCKS['deploy-core'],
    host: hostOf(cfg, cfg.stack.core.host),
    composePath: cfg.stack.core.compose_path,
    compose,
    composeImages: imagesOf(compose),
    files,
    services,
    pullServices: services.filter((s) => s === 'backend'),
    secretExports: exports,
    images: services.includes('backend') ? [imageRef(cfg, 'backend', tag)] : [],
    planned,
  }
}

/** What deploys accept: CI's sha-<short> (design §4.2), or an image digest. Anything else is refused before
 * config, secrets or hosts are touched: TAG=latest, TAG=local (a workstation build) and the sha- a shell or
 * make left behind after eating a $(…) never reach a host. */
export const DEPLOY_TAG = /^sha-[0-9a-f]{7,40}$/
export const DIGEST = /^sha256:[0-9a-f]{64}$/

export function checkTag(tag: string | undefined): string {
  if (!tag)
    throw new UsageError(
      'no image tag: pass TAG=sha-<short> (make) or --tag',
      'CI publishes sha-<short> for every merge to main (design §4.2)',
    )
  if (!DEPLOY_TAG.test(tag) && !DIGEST.test(tag))
    throw new UsageError(
      `not a tag CI publishes: ${JSON.stringify(tag)} ` +
        '(deploys take sha-<7 to 40 hex digits> or sha256:<64 hex digits>)',
      'CI tags every merge to main as sha-<short commit>: git rev-parse --short=7 <commit>; a digest pins one image',
    )
  return tag
}
