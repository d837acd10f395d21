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
}

/** The recent logs of some services of one stack (lib/status/status.sh). */
export function logsScript(composePath: string, services: string[], tail: number | string): ScriptParts {
  return { lib: ['status/status.sh'], body: [...bind({ compose_path: composePath, tail, services }), 'stack_logs'] }
}

/** The status script of one stack (lib/status/status.sh). */
export function statusScript(composePath: string): ScriptParts {
  return { lib: ['status/status.sh'], body: [...bind({ compose_path: composePath }), 'stack_status'] }
}

export function parseStatus(stdout: string): StackStatus {
  const st: StackStatus = { services: [], absent: false }
  for (const line of stdout.split('\n')) {
    const m = /^::ktrdr (\S+) ?(.*)$/.exec(line)
    if (!m) continue
    const [, ev, detail] = m
    if (ev === 'absent') st.absent = true
    else if (ev === 'file-tag') st.fileTag = detail || undefined
    else if (ev === 'audit') st.audit = detail || undefined
    else if (ev === 'ps') {
      // compose prints one JSON object per line (2.21+) or one array (older): accept both.
      const parsed = JSON.parse(detail!) as Record<string, string> | Record<string, string>[]
      for (const c of Array.isArray(parsed) ? parsed : [parsed])
        st.services.push({
          service: c.Service ?? '',
          image: c.Image ?? '',
          state: c.State ?? '',
          health: c.Health || '-',
        })
    }
  }
  st.services.sort((a, b) => a.service.localeCompare(b.service))
  return st
}

/** The tag part of an image reference, or '' for an untagged one. */
export function tagOf(image: string): string {
  const m = /:([^:/]+)$/.exec(image)
  return m ? m[1]! : ''
}
