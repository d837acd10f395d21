// The two parts of a deploy's session on a host — preflight, then the deploy — as data: the .sh files that hold
// their logic (preflight.sh, deploy.sh, lib/job/lock.sh, lib/job/mount.sh) and the variables bound for them.
// Only names of secrets appear here; their values are attached as `env` when the script is rendered.
import { dirname } from 'node:path'
import { projectName } from '../compose/workers.ts'
import type { Config } from '../config/model.ts'
import { lockLines, lockOwner } from '../job/lock.ts'
import { operator } from '../job/operator.ts'
import { events } from '../job/protocol.ts'
import { bind, bindText, type ScriptParts } from '../job/render.ts'
import type { Secret, SecretValues } from '../secrets/secret.ts'
import type { HostDeploy } from './plan.ts'
import { registryHost } from './plan.ts'

export const PREFLIGHT_LIB = ['job/mount.sh', 'deploy/preflight.sh'] as const
export const DEPLOY_LIB = ['job/lock.sh', 'deploy/deploy.sh'] as const

/** Read-only checks on the host, and what it holds of these images (see imagesCurrent). */
export function preflightScript(cfg: Config, images: string[] = []): ScriptParts {
  return { lib: PREFLIGHT_LIB, body: [...bind({ shared: cfg.stack.shared.host_path, images }), 'preflight'] }
}

/**
 * True when a pull would fetch nothing: the host holds every image of the compose file, and each of our
 * images carries, among its RepoDigests, the digest the registry gives its tag now. Anything unknown
 * (no digest from the registry, an image listed under another name) means false: login and pull.
 */
export function imagesCurrent(
  d: HostDeploy,
  preflightStdout: string,
  registryDigests: ReadonlyMap<string, string>,
): boolean {
  const held = events(preflightStdout)
    .filter((e) => e.event === 'image')
    .map((e) => {
      const [tags = '', digests = ''] = e.detail.split('|')
      return { tags: tags.trim().split(/\s+/), digests: digests.trim().split(/\s+/) }
    })
  const find = (ref: string) => held.find((h) => h.tags.includes(ref))
  if (!d.composeImages.every((ref) => find(ref))) return false
  return d.images.every((ref) => {
    const digest = registryDigests.get(ref)
    return (
      !!digest &&
      /^sha256:[0-9a-f]{64}$/.test(digest) &&
      find(ref)!.digests.includes(`${ref.replace(/:[^:/]+$/, '')}@${digest}`)
    )
  })
}

export interface DeployOptions {
  tag: string
  forceUnlock: boolean
  healthTimeoutS: number
}

/** The deploy's variables and calls; with `current` (see imagesCurrent) the login and the pull are left out. */
export function deployBody(cfg: Config, d: HostDeploy, o: DeployOptions, current = false): string[] {
  return [
    ...bind({
      compose_path: d.composePath,
      compose_dir: dirname(d.composePath),
      project: projectName(d.composePath),
      tag: o.tag,
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
): ScriptParts {
  return {
    env: deployEnv(cfg, d, secrets, current),
    lib: DEPLOY_LIB,
    body: deployBody(cfg, d, o, current),
    watchStdin: true,
  }
}
