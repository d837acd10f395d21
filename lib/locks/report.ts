// Who holds which lock on a host (lib/job/lock.sh's ktrdr_lock_report and ktrdr_unlock), read back: the owner
// line split into its parts, and whether the run that took the lock is still alive on this machine.
import { hostname } from 'node:os'
import { parseOwner } from '../job/lock.ts'
import { operator } from '../job/operator.ts'
import { formatAge } from '../snapshot/clock.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'

export interface Holder {
  scope: string
  /** The holding shell's pid on the host. */
  remotePid: number
  owner: string
  job?: string
  who?: string
  /** The workstation process that started the job. */
  pid?: number
  since?: string
  extra?: string
}

/** The workstation run behind a lock: alive or gone on this machine, or started on another one. */
export type RunState = 'alive' | 'gone' | 'elsewhere'

export function reportScript(): ScriptParts {
  return { lib: ['job/lock.sh'], body: ['ktrdr_lock_report'] }
}

export function unlockScript(scope: string, auditFile: string): ScriptParts {
  return {
    lib: ['job/lock.sh'],
    body: [...bind({ scope, audit_file: auditFile, who: operator() }), 'ktrdr_unlock "$scope" "$audit_file" "$who"'],
  }
}

export function parseHolders(stdout: string): Holder[] {
  return events(stdout)
    .filter((e) => e.event === 'held')
    .map((e) => {
      const [scope = '', pid = '0', ...rest] = e.detail.split(' ')
      const owner = rest.join(' ')
      return { scope, remotePid: Number(pid), owner, ...parseOwner(owner) }
    })
    .sort((a, b) => a.scope.localeCompare(b.scope))
}

/** Whether the run that took the lock still runs here (same operator and machine, its pid alive). */
export function runState(h: Holder, me = operator(), host = hostname()): RunState {
  if (!h.who || h.pid === undefined) return 'elsewhere'
  if (h.who !== me && !h.who.endsWith(`@${host}`)) return 'elsewhere'
  try {
    process.kill(h.pid, 0)
    return 'alive'
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone'
  }
}

/** How long since an ISO time (`2d 04h`, lib/snapshot/clock.ts's words), or '' when there is none. */
export function heldFor(since: string | undefined, now = Date.now()): string {
  const t = since ? Date.parse(since) : Number.NaN
  return Number.isNaN(t) ? '' : formatAge(now - t)
}

export function describeRun(state: RunState, h: Holder): string {
  if (state === 'alive') return `its run (pid ${h.pid} here) is alive`
  if (state === 'gone') return `its run (pid ${h.pid} here) is gone: the job on the host is orphaned`
  return `its run is on ${h.who ?? 'an unknown machine'}: cannot be checked from here`
}
