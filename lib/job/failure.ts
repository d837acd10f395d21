// One translator from a finished job run (exit code, `::ktrdr` events, stderr) to the one sentence the operator
// needs. What every job shares is here — interrupted, ssh (with DNS told apart), a lock held, `missing` and
// `failed` events, the last stderr line — and a job adds its own events through a table.
import { OpsError } from '../errors.ts'
import { EXIT, events, type JobEvent } from './protocol.ts'
import { lastStderrLine } from './stderr.ts'

export interface RunOutput {
  exitCode: number | null
  stdout: string
  stderr: string
}

/** Where the job ran, as messages name it. */
export interface JobPlace {
  /** What the operator calls the job here: "node B", "backup", "ktrdr-core (ssh root@…)". */
  label: string
  /** The ssh target (user@host), or undefined for --local. */
  target?: string
  /** The host's configured address (for when its name does not resolve). */
  address?: string
  /** The host's name ("local" for --local). */
  where?: string
  /** The job takes FORCE_UNLOCK (deploys and recoveries): the refusal says so. */
  canForce?: boolean
  aborted?: boolean
}

/** A job's own events: event name → the error it means (its detail given). */
export type FailureTable = Record<string, (detail: string, out: RunOutput) => OpsError>

/**
 * ssh's own failure (exit 255 before the script said anything). A name that does not resolve is told apart:
 * DNS is down or lacks the record, and the config's address of the host is the way around it.
 */
export function sshFailure(label: string, target: string, out: RunOutput, address?: string): OpsError | undefined {
  if (out.exitCode !== EXIT.ssh || events(out.stdout).length) return undefined
  const reason = lastStderrLine(out.stderr) || 'connection failed'
  const unresolved = /Could not resolve hostname ([^:\s]+)/.exec(reason)
  if (unresolved) {
    const user = target.includes('@') ? `${target.split('@')[0]}@` : ''
    return new OpsError(`${label}: cannot resolve ${unresolved[1]} (DNS): ${reason}`, {
      hint: address
        ? `its configured address is ${address}: fix the DNS record (or the resolver), ` +
          `or reach it by address with ssh: ${user}${address} for this host in the config`
        : 'fix the DNS record (or the resolver), or give the host an ssh: target by address in the config',
    })
  }
  return new OpsError(`${label}: cannot reach ${target} over SSH: ${reason}`, {
    hint: `check the host is up and \`ssh ${target} true\` works (ssh config, keys, address in stack-config.yml)`,
  })
}

/** A lock held by another job: who holds it (lib/job/lock.sh's owner lines), and what to do. */
export function lockedFailure(label: string, holders: string, canForce = false): OpsError {
  return new OpsError(`${label}: refused — held by ${holders.split(';').join(' and by ')}`, {
    hint:
      'that job is still running (a lock is released when its job ends, however it ends): wait for it to end' +
      (canForce ? '; if it hangs, FORCE_UNLOCK=1 stops it first' : ', then run this again'),
    exitCode: EXIT.busy,
  })
}

const last = (ev: JobEvent[], name: string) => ev.filter((e) => e.event === name).at(-1)?.detail

/** The error a failed run means, or undefined when it succeeded. */
export function jobFailure(p: JobPlace, out: RunOutput, table: FailureTable = {}): OpsError | undefined {
  if (out.exitCode === EXIT.ok) return undefined
  if (p.aborted)
    return new OpsError(
      `${p.label}: interrupted; the script on ${p.where ?? 'the host'} was stopped and cleaned up after itself`,
      {
        exitCode: EXIT.interrupted,
      },
    )
  if (p.target) {
    const ssh = sshFailure(p.label, p.target, out, p.address)
    if (ssh) return ssh
  }
  const ev = events(out.stdout)
  const locked = last(ev, 'locked')
  if (out.exitCode === EXIT.busy && locked !== undefined) return lockedFailure(p.label, locked, p.canForce)
  for (const [event, make] of Object.entries(table)) {
    const d = last(ev, event)
    if (d !== undefined) return make(d, out)
  }
  const why = last(ev, 'missing') ?? last(ev, 'failed')
  const code = out.exitCode === EXIT.corrupt || out.exitCode === EXIT.mismatch ? out.exitCode : 1
  if (why !== undefined) return new OpsError(`${p.label}: ${why}`, { exitCode: code })
  const step = last(ev, 'step') ?? 'start'
  const stderr = lastStderrLine(out.stderr)
  if (out.exitCode === EXIT.ssh)
    return new OpsError(
      `${p.label}: lost the SSH connection to ${p.target} during step ${step}: ${stderr || 'closed'}`,
      {
        hint:
          "the job's shell ends when the connection drops and its lock goes with it; " +
          'check the host, then run again',
      },
    )
  const on = p.where ? ` on ${p.where}` : ''
  return new OpsError(`${p.label}: failed at step ${step}${on}: ${stderr || `exit ${out.exitCode}`}`, {
    exitCode: code,
  })
}
