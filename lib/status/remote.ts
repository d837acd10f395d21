// What is running on a host's stack: the tag its compose file was rendered for, each container's image,
// state and health, and the last audit line — read in one SSH session, no secrets needed.
import { bind, type ScriptParts } from '../job/render.ts'

export interface ServiceStatus {
  service: string
  image: string
  state: string
  health: string
}

export interface StackStatus {
  fileTag?: string
  services: ServiceStatus[]
  audit?: string
  absent: boolean
  /** For drift (drift.ts): the newest record's line, the file's sha256, containers, env names, locks. */
  record?: { file: string; text: string }
  composeSha?: string
  containers: { service: string; id: string; image: string; state: string }[]
  envDrift: { service: string; name: string }[]
  /** With SECRETS=1: each secret a running container does not hold the provider's value of (names only). */
  secretDrift: { service: string; name: string }[]
  locks: { scope: string; owner: string }[]
}

/** The recent logs of some services of one stack (lib/status/status.sh). */
export function logsScript(composePath: string, services: string[], tail: number | string): ScriptParts {
  return { lib: ['status/status.sh'], body: [...bind({ compose_path: composePath, tail, services }), 'stack_logs'] }
}

/** Every compose project on a host (status.sh host_projects). */
export function projectsScript(): ScriptParts {
  return { lib: ['status/status.sh'], body: ['host_projects'] }
}

/** `project <name> <files>` events: project → its compose files. */
export function parseProjects(stdout: string): { name: string; files: string[] }[] {
  return stdout.split('\n').flatMap((l) => {
    const m = /^::ktrdr project (\S+) ?(.*)$/.exec(l)
    return m ? [{ name: m[1]!, files: m[2]!.split(',').filter(Boolean) }] : []
  })
}

/** The status script of one stack (lib/status/status.sh). */
/**
 * A stack's status; with `secrets` (make status SECRETS=1) also its secret drift: the values exported for the
 * remote shell (env) and "<service> <NAME>" for each secret a service takes (secretEnv).
 */
export function statusScript(
  composePath: string,
  lockScopes: string[] = [],
  secrets?: { env: NonNullable<ScriptParts['env']>; secretEnv: string[] },
): ScriptParts {
  const body = [...bind({ compose_path: composePath, lock_scopes: lockScopes }), 'stack_status']
  if (!secrets) return { lib: ['job/lock.sh', 'status/status.sh'], body }
  return {
    env: secrets.env,
    lib: ['job/lock.sh', 'deploy/secret-env.sh', 'status/status.sh'],
    body: [...body.slice(0, -1), ...bind({ secret_env: secrets.secretEnv }), 'stack_status', 'stack_secret_drift'],
  }
}

export function parseStatus(stdout: string): StackStatus {
  const st: StackStatus = {
    services: [],
    absent: false,
    containers: [],
    envDrift: [],
    secretDrift: [],
    locks: [],
  }
  for (const line of stdout.split('\n')) {
    const m = /^::ktrdr (\S+) ?(.*)$/.exec(line)
    if (!m) continue
    const [, ev, detail] = m
    if (ev === 'absent') st.absent = true
    else if (ev === 'file-tag') st.fileTag = detail || undefined
    else if (ev === 'audit') st.audit = detail || undefined
    else if (ev === 'record') {
      const i = detail!.indexOf(' ')
      st.record = { file: detail!.slice(0, i), text: detail!.slice(i + 1) }
    } else if (ev === 'compose-sha') st.composeSha = detail
    else if (ev === 'container') {
      const [service = '', id = '', image = '', state = ''] = detail!.split(' ')
      st.containers.push({ service, id, image, state })
    } else if (ev === 'env-drift') {
      const [service = '', name = ''] = detail!.split(' ')
      st.envDrift.push({ service, name })
    } else if (ev === 'secret-drift') {
      const [service = '', name = ''] = detail!.split(' ')
      st.secretDrift.push({ service, name })
    } else if (ev === 'lock') {
      const i = detail!.indexOf(' ')
      st.locks.push({ scope: detail!.slice(0, i), owner: detail!.slice(i + 1) })
    } else if (ev === 'ps') {
      // compose prints one JSON object per line (2.21+) or one array (older): accept both.
      const parsed = JSON.parse(detail!) as Record<string, string> | Record<string, string>[]
      for (const c of Array.isArray(parsed) ? parsed : [parsed])
        st.services.push({
          service: c.Service ?? '',
          // By digest (deploys pin one): the tag is the ktrdr.tag label's.
          image: /@sha256:/.test(c.Image ?? '') ? labelTag(c.Image!, c.Labels ?? '') : (c.Image ?? ''),
          state: c.State ?? '',
          health: c.Health || '-',
        })
    }
  }
  st.services.sort((a, b) => a.service.localeCompare(b.service))
  return st
}

/** `<repo>:<ktrdr.tag label>` for an image by digest (compose ps's Labels: `k=v,k=v`), else the image. */
function labelTag(image: string, labels: string): string {
  const tag = /(?:^|,)ktrdr\.tag=([^,]+)/.exec(labels)?.[1]
  return tag ? `${image.replace(/@sha256:[0-9a-f]{64}$/, '')}:${tag}` : image
}

/** The tag part of an image reference, or '' for an untagged one. */
export function tagOf(image: string): string {
  const m = /:([^:/]+)$/.exec(image)
  return m ? m[1]! : ''
}
