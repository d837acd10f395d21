// The two remote scripts of a deploy — preflight and deploy — assembled from steps.ts, plus what their
// output means. Only names of secrets appear here; values are attached as `env` when the script is rendered.
import type { Config } from '../config/model.ts'
import type { ScriptParts } from '../remote/script.ts'
import { sh } from '../remote/script.ts'
import type { Secret, SecretValues } from '../secrets/secret.ts'
import type { HostDeploy } from './plan.ts'
import { operator, registryHost } from './plan.ts'
import { auditFunction, currentImagesLines, healthAndRollbackLines, healthFunction, lockLines, loginLines, mark, pullUpLines, shipLines } from './steps.ts'

export function preflightScript(cfg: Config): ScriptParts {
  const shared = cfg.stack.shared.host_path
  return {
    body: [
      `command -v docker >/dev/null || { ${mark('missing', 'docker is not installed on this host')}; exit 1; }`,
      `docker compose version >/dev/null 2>&1 || { ${mark('missing', 'the docker compose v2 plugin is not installed')}; exit 1; }`,
      `docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || { ${mark('missing', 'the docker daemon is not running (or this user may not use it)')}; exit 1; }`,
      `test -d ${sh([shared])} || { ${mark('missing', `the shared mount ${shared} is not present (design §6.5: mount the NFS export there)`)}; exit 1; }`,
      mark('preflight', 'ok'),
    ],
  }
}

export interface DeployOptions {
  tag: string
  forceUnlock: boolean
  healthTimeoutS: number
}

/** Registry digests of this run's images (image ref → `sha256:…`), from the preflight's tag check. */
export type CurrentDigests = ReadonlyMap<string, string>

/** `<registry>/<repo>@sha256:…` as a host's RepoDigests list it, for each of our images with a known digest. */
function expectedRepoDigests(d: HostDeploy, digests: CurrentDigests): string[] {
  return d.images.map((ref) => {
    const digest = digests.get(ref)
    return digest ? `${ref.replace(/:[^:/]+$/, '')}@${digest}` : ''
  })
}

export function deployBody(cfg: Config, d: HostDeploy, o: DeployOptions, digests: CurrentDigests = new Map()): string[] {
  return [
    ...auditFunction(d.composePath, operator(), o.tag, d.services),
    ...healthFunction(d.composePath, d.services, o.healthTimeoutS),
    ...lockLines(d.composePath, `${operator()} pid ${process.pid} since ${new Date().toISOString()} tag ${o.tag}`, o.forceUnlock),
    ...shipLines(d.composePath, d.compose, d.files),
    ...currentImagesLines(d.composeImages, expectedRepoDigests(d, digests)),
    'if [ "$pull_needed" = 0 ]; then',
    mark('current', 'every image is already on the host at the registry digest: no login, no pull'),
    'else',
    ...loginLines(registryHost(cfg)),
    'fi',
    // set -e does not apply inside an `if` condition: chain with && so a failed pull never reaches up.
    `if ! { ${pullUpLines(d.composePath, d.services, d.pullServices).join(' && ')}; }; then audit compose-failed; ${mark('compose-failed')}; exit 1; fi`,
    ...healthAndRollbackLines(d.composePath, d.services),
    'audit ok',
  ]
}

/** Secret values for the remote shell, under the names the compose file uses. */
export function deployEnv(cfg: Config, d: HostDeploy, secrets: SecretValues): Record<string, string | Secret> {
  const env: Record<string, string | Secret> = { REGISTRY_USERNAME: cfg.stack.registry.username }
  for (const [name, from] of Object.entries(d.secretExports)) env[name] = secrets.get(from)!
  return env
}

export function deployScript(cfg: Config, d: HostDeploy, o: DeployOptions, secrets: SecretValues, digests?: CurrentDigests): ScriptParts {
  return { env: deployEnv(cfg, d, secrets), body: deployBody(cfg, d, o, digests), watchStdin: true }
}

/** `::ktrdr <event> <detail>` lines of a run's stdout. */
export function events(stdout: string): { event: string; detail: string }[] {
  return stdout.split('\n').flatMap((l) => {
    const m = /^::ktrdr (\S+) ?(.*)$/.exec(l)
    return m ? [{ event: m[1]!, detail: m[2]! }] : []
  })
}
