// The two remote scripts of a deploy — preflight and deploy — assembled from steps.ts, plus what their
// output means. Only names of secrets appear here; values are attached as `env` when the script is rendered.
import type { Config } from '../config/model.ts'
import type { ScriptParts } from '../remote/script.ts'
import { mountedCheck } from '../remote/mount.ts'
import { sh } from '../remote/script.ts'
import type { Secret, SecretValues } from '../secrets/secret.ts'
import type { HostDeploy } from './plan.ts'
import { operator, registryHost } from './plan.ts'
import {
  auditFunction,
  healthAndRollbackLines,
  healthFunction,
  lockLines,
  loginLines,
  mark,
  pullUpLines,
  shipLines,
} from './steps.ts'

/** Where the docker CLI finds system-wide plugins (besides $DOCKER_CONFIG/cli-plugins). */
const COMPOSE_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
]

/**
 * Read-only checks on the host: docker, the compose v2 plugin, the daemon, the shared mount; and what the
 * host holds of the given images (`::ktrdr image <tags>|<repo digests>`, see imagesCurrent). Every process
 * counts here (~15 ms each on a busy host): one docker call, the rest shell builtins.
 */
export function preflightScript(cfg: Config, images: string[] = []): ScriptParts {
  const shared = cfg.stack.shared.host_path
  return {
    body: [
      `command -v docker >/dev/null || { ${mark('missing', 'docker is not installed on this host')}; exit 1; }`,
      // The plugin's file, where the docker CLI looks for it (running it costs ~0.3 s of CPU; `up` runs it soon enough).
      `compose=no; for d in "\${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" ${COMPOSE_PLUGIN_DIRS.join(' ')}; do [ -x "$d/docker-compose" ] && compose=yes && break; done`,
      `[ $compose = yes ] || { ${mark('missing', 'the docker compose v2 plugin is not installed')}; exit 1; }`,
      // One docker call asks the daemon both whether it answers and what it holds: an image it does not
      // have is its answer ("No such image"); anything else that fails means no daemon (for this user).
      ...(images.length
        ? [
            `if ! held=$(docker image inspect -f '::ktrdr image {{range .RepoTags}} {{.}}{{end}} |{{range .RepoDigests}} {{.}}{{end}}' ${sh(images)} 2>&1); then`,
            `  case "$held" in *'o such image'*) ;; *) ${mark('missing', 'the docker daemon is not running (or this user may not use it)')}; exit 1 ;; esac`,
            'fi',
            `while IFS= read -r line; do if [[ $line == '::ktrdr image '* ]]; then printf '%s\n' "$line"; fi; done <<< "$held"`,
          ]
        : [
            `docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || { ${mark('missing', 'the docker daemon is not running (or this user may not use it)')}; exit 1; }`,
          ]),
      mountedCheck(shared, (why) => `{ ${mark('missing', `the shared mount ${why}`)}; exit 1; }`),
      mark('preflight', 'ok'),
    ],
  }
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

/** The deploy; with `current` (see imagesCurrent) the registry login and the pull are left out. */
export function deployBody(cfg: Config, d: HostDeploy, o: DeployOptions, current = false): string[] {
  return [
    ...auditFunction(d.composePath, operator(), o.tag, d.services),
    ...healthFunction(d.composePath, d.services, o.healthTimeoutS),
    ...lockLines(
      d.composePath,
      `${operator()} pid ${process.pid} since ${new Date().toISOString()} tag ${o.tag}`,
      o.forceUnlock,
    ),
    ...shipLines(d.composePath, d.compose, d.files),
    ...(current
      ? [mark('current', 'every image is on the host at the digest the registry has for it: no login, no pull')]
      : loginLines(registryHost(cfg))),
    // set -e does not apply inside an `if` condition: chain with && so a failed pull never reaches up.
    `if ! { ${pullUpLines(d.composePath, d.services, current ? [] : d.pullServices).join(' && ')}; }; then audit compose-failed; ${mark('compose-failed')}; exit 1; fi`,
    ...healthAndRollbackLines(d.composePath, d.services),
    'audit ok',
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
  return { env: deployEnv(cfg, d, secrets, current), body: deployBody(cfg, d, o, current), watchStdin: true }
}

/** An onLine handler that hears only the `::ktrdr step <name>` lines (task progress). */
export const onStepLine =
  (cb: (step: string) => void) =>
  (line: string): void => {
    const e = events(line)[0]
    if (e?.event === 'step') cb(e.detail)
  }

/** `::ktrdr <event> <detail>` lines of a run's stdout. */
export function events(stdout: string): { event: string; detail: string }[] {
  return stdout.split('\n').flatMap((l) => {
    const m = /^::ktrdr (\S+) ?(.*)$/.exec(l)
    return m ? [{ event: m[1]!, detail: m[2]! }] : []
  })
}
