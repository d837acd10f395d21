// Who holds which lock on a host (lib/job/lock.sh's ktrdr_lock_report and ktrdr_unlock), read back: the owner
// line split into its parts, and whether the run that took the lock is still alive on this machine.
import { hostname } from 'node:os'
import { operator } from '../job/operator.ts'
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

/** lib/job/lock.ts's lockOwner: `<job> by <who> pid <pid> since <iso>[ <extra>]`. */
const OWNER = /^(\S+) by (\S+) pid (\d+) since (\S+)(?: (.*))?$/

export function parseHolders(stdout: string): Holder[] {
  return events(stdout)
    .filter((e) => e.event === 'held')
    .map((e) => {
      const [scope = '', pid = '0', ...rest] = e.detail.split(' ')
      const owner = rest.join(' ')
      const m = OWNER.exec(owner)
      return {
        scope,
        remotePid: Number(pid),
        owner,
        ...(m ? { job: m[1], who: m[2], pid: Number(m[3]), since: m[4], extra: m[5] } : {}),
      }
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

/** "2m05s" since an ISO time (or '' when there is none). */
export function heldFor(since: string | undefined, now = Date.now()): string {
  const t = since ? Date.parse(since) : Number.NaN
  if (Number.isNaN(t)) return ''
  const s = Math.max(0, Math.round((now - t) / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`
}

export function describeRun(state: RunState, h: Holder): string {
  if (state === 'alive') return `its run (pid ${h.pid} here) is alive`
  if (state === 'gone') return `its run (pid ${h.pid} here) is gone: the job on the host is orphaned`
  return `its run is on ${h.who ?? 'an unknown machine'}: cannot be checked from here`
}
