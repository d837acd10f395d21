// What is running on a host's stack: the tag its compose file was rendered for, each container's image,
// state and health, and the last audit line — read in one SSH session, no secrets needed.
import { dirname } from 'node:path'
import { sh } from '../remote/script.ts'

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

export function statusBody(composePath: string): string[] {
  return [
    `if [ ! -f ${sh([composePath])} ]; then echo '::ktrdr absent'; exit 0; fi`,
    `echo "::ktrdr file-tag $(sed -n 's/^# ktrdr-tag: //p' ${sh([composePath])})"`,
    `docker compose -f ${sh([composePath])} ps -a --format json | sed 's/^/::ktrdr ps /'`,
    `echo "::ktrdr audit $(tail -n1 ${sh([`${dirname(composePath)}/deploy-audit.log`])} 2>/dev/null || true)"`,
  ]
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
