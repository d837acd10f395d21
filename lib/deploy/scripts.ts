// The two parts of a deploy's session on a host — preflight, then the deploy — as data: the .sh files that hold
// their logic (preflight.sh, deploy.sh, rolling.sh, lib/job/lock.sh, lib/job/mount.sh) and the variables
// bound for them.
// Only names of secrets appear here; their values are attached as `env` when the script is rendered.
import { dirname } from 'node:path'
import { projectName } from '../compose/workers.ts'
import type { Config } from '../config/model.ts'
import { lockLines, lockOwner } from '../job/lock.ts'
import { operator } from '../job/operator.ts'
import { bind, bindText, type ScriptParts } from '../job/render.ts'
import type { Secret, SecretValues } from '../secrets/secret.ts'
import { imageRef } from '../config/model.ts'
import { envLines, pinLines, type RecordPlan, recordPlan, recordSum, sameSum, secretEnvLines } from './host-record.ts'
import { repoOf } from './pin.ts'
import type { HostDeploy } from './plan.ts'
import { registryHost } from './plan.ts'

export const PREFLIGHT_LIB = ['job/mount.sh', 'deploy/preflight.sh'] as const
export const DEPLOY_LIB = ['job/lock.sh', 'deploy/secret-env.sh', 'deploy/deploy.sh'] as const
/** A worker node's deploy: deploy.sh with its rolling replacement (rolling.sh). */
export const WORKERS_LIB = ['job/lock.sh', 'deploy/secret-env.sh', 'deploy/rolling.sh', 'deploy/deploy.sh'] as const

export const deployLib = (d: Pick<HostDeploy, 'rolling'>) => (d.rolling ? WORKERS_LIB : DEPLOY_LIB)

/** Read-only checks on the host, what it holds of these images and the pins its last deploy kept (pin.ts). */
export function preflightScript(cfg: Config, d?: Pick<HostDeploy, 'composePath' | 'composeImages'>): ScriptParts {
  return {
    lib: PREFLIGHT_LIB,
    body: [
      ...bind({
        shared: cfg.stack.shared.host_path,
        compose_dir: d ? dirname(d.composePath) : '',
        images: d?.composeImages ?? [],
      }),
      'preflight',
    ],
  }
}

export interface DeployOptions {
  tag: string
  forceUnlock: boolean
  healthTimeoutS: number
  /** A rollback (its audit lines and records say so; each HostDeploy names the record it returns to). */
  action?: 'deploy' | 'rollback'
  /** DRAIN_TIMEOUT=: every node's drain_timeout for this run, in seconds. */
  drainTimeoutS?: number
  /** FORCE=1: a replica still busy at its drain deadline is replaced anyway (its job is re-queued). */
  force?: boolean
}

/** A worker node's rolling variables (rolling.sh); none for the core. */
export function rollingBind(d: Pick<HostDeploy, 'rolling'>, o: DeployOptions): string[] {
  if (!d.rolling) return []
  return bind({
    rolling: 1,
    drain_timeout: o.drainTimeoutS ?? d.rolling.drainTimeoutS,
    max_unavailable: d.rolling.maxUnavailable,
    force: o.force ? 1 : 0,
    replica_addrs: d.rolling.addrs,
  })
}

/** The repositories of our own images on this host: the only ones a deploy prunes. */
export function ownRepos(cfg: Config, d: Pick<HostDeploy, 'job'>): string[] {
  return [repoOf(imageRef(cfg, d.job === 'deploy-core' ? 'backend' : 'worker', 'sha-0000000'))]
}

/**
 * The deploy's variables and calls; with `current` (see pinsCurrent) the login and the pull are left out.
 * `record`: what the host's deploy record holds of the workstation's side (host-record.ts).
 */
export function deployBody(
  cfg: Config,
  d: HostDeploy,
  o: DeployOptions,
  current = false,
  record: RecordPlan = recordPlan(d, o.tag, new Map()),
): string[] {
  return [
    ...bind({
      compose_path: d.composePath,
      compose_dir: dirname(d.composePath),
      project: projectName(d.composePath),
      tag: o.tag,
      action: o.action ?? 'deploy',
      operator: operator(),
      registry: registryHost(cfg),
      health_timeout: o.healthTimeoutS,
      current: current ? 1 : 0,
      services: d.services,
      pull_services: current ? [] : d.pullServices,
      ship_names: d.files.map((f) => f.name),
    }),
    // The files as here-documents: the dry run and the script show them as they will be written.
    ...d.files.flatMap((f, i) => bindText(`ship_text_${i}`, f.content)),
    `ship_texts=(${d.files.map((_, i) => `"$ship_text_${i}"`).join(' ')})`,
    ...bindText('compose_text', d.compose),
    ...bind({
      records_keep: cfg.stack.deploys.keep_records,
      own_repos: ownRepos(cfg, d),
      record_sum: recordSum(JSON.stringify(record)),
      same_sum: sameSum(record),
      secret_env: secretEnvLines(record),
      all_services: record.all_services,
      db_role: d.secretExports.POSTGRES_PASSWORD ? cfg.stack.database.user : '',
    }),
    ...rollingBind(d, o),
    ...bindText('record_text', JSON.stringify(record)),
    ...bindText('pin_text', pinLines(record)),
    ...bindText('env_text', envLines(record)),
    ...bindText('images_text', record.compose_images.map((i) => `${i}\n`).join('')),
    ...lockLines(d.locks, lockOwner(d.job, `tag ${o.tag}`), o.forceUnlock),
    'deploy',
  ]
}

/**
 * Secret values for the remote shell, under the names the compose file uses. With `current` (no login)
 * the registry's credentials are not sent at all.
 */
export function deployEnv(
  cfg: Config,
  d: HostDeploy,
  secrets: SecretValues,
  current = false,
): Record<string, string | Secret> {
  const env: Record<string, string | Secret> = current ? {} : { REGISTRY_USERNAME: cfg.stack.registry.username }
  for (const [name, from] of Object.entries(d.secretExports))
    if (!(current && name === 'REGISTRY_PASSWORD')) env[name] = secrets.get(from)!
  return env
}

export function deployScript(
  cfg: Config,
  d: HostDeploy,
  o: DeployOptions,
  secrets: SecretValues,
  current = false,
  record?: RecordPlan,
): ScriptParts {
  return {
    env: deployEnv(cfg, d, secrets, current),
    lib: deployLib(d),
    body: deployBody(cfg, d, o, current, record),
    watchStdin: true,
  }
}
