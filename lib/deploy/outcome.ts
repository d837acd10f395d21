// Turn a finished remote run (exit code, stdout events, stderr) into the one sentence the operator needs.
import { OpsError } from '../errors.ts'
import { lastStderrLine } from '../remote/stderr.ts'
import type { HostDeploy } from './plan.ts'
import { events } from './scripts.ts'
import { LOCK_BUSY_EXIT, ROLLED_BACK_EXIT, UNHEALTHY_EXIT } from './steps.ts'

export interface RunOutput {
  exitCode: number | null
  stdout: string
  stderr: string
}

const lastLine = lastStderrLine

/**
 * ssh's own failure (exit 255 before the script said anything). A name that does not resolve is told apart:
 * DNS is down or lacks the record, and the config's address of the host is the way around it.
 */
export function sshFailure(label: string, target: string, out: RunOutput, address?: string): OpsError | undefined {
  if (out.exitCode !== 255 || events(out.stdout).length) return undefined
  const reason = lastLine(out.stderr) || 'connection failed'
  const unresolved = /Could not resolve hostname ([^:\s]+)/.exec(reason)
  if (unresolved) {
    const user = target.includes('@') ? `${target.split('@')[0]}@` : ''
    return new OpsError(`${label}: cannot resolve ${unresolved[1]} (DNS): ${reason}`, {
      hint: address
        ? `its configured address is ${address}: fix the DNS record (or the resolver), or reach it by address with ssh: ${user}${address} for this host in the config`
        : 'fix the DNS record (or the resolver), or give the host an ssh: target by address in the config',
    })
  }
  return new OpsError(`${label}: cannot reach ${target} over SSH: ${reason}`, {
    hint: `check the host is up and \`ssh ${target} true\` works (ssh config, keys, address in stack-config.yml)`,
  })
}

export function preflightFailure(
  label: string,
  target: string,
  out: RunOutput,
  address?: string,
): OpsError | undefined {
  if (out.exitCode === 0) return undefined
  const ssh = sshFailure(label, target, out, address)
  if (ssh) return ssh
  const missing = events(out.stdout).find((e) => e.event === 'missing')
  return new OpsError(
    `${label}: preflight failed on ${target}: ${missing?.detail ?? (lastLine(out.stderr) || `exit ${out.exitCode}`)}`,
  )
}

export type DeployOutcome = { status: 'ok' } | { status: 'rolled-back'; previous: string; error: OpsError }

export function deployOutcome(d: HostDeploy, out: RunOutput): DeployOutcome {
  const ev = events(out.stdout)
  const find = (name: string) => ev.find((e) => e.event === name)
  const ssh = sshFailure(d.label, d.host.ssh, out, d.host.address)
  if (ssh) throw ssh
  if (out.exitCode === 0) return { status: 'ok' }
  if (out.exitCode === LOCK_BUSY_EXIT)
    throw new OpsError(`${d.label}: refused — locked by ${find('locked')?.detail ?? 'another run'}`, {
      hint: 'another deploy is running on that host; if it died, rerun with --force-unlock (make: FORCE_UNLOCK=1)',
    })
  const unhealthy = find('unhealthy')?.detail ?? ''
  if (out.exitCode === ROLLED_BACK_EXIT) {
    const previous = find('rollback')?.detail || 'the previous tag'
    return {
      status: 'rolled-back',
      previous,
      error: new OpsError(`${d.label}: unhealthy after deploy (${unhealthy.trim()}): rolled back to ${previous}`),
    }
  }
  if (out.exitCode === UNHEALTHY_EXIT)
    throw new OpsError(
      `${d.label}: unhealthy after deploy (${unhealthy.trim()}) and no previous config to roll back to`,
    )
  const refused = find('login-refused')
  if (refused)
    throw new OpsError(`${d.label}: registry login refused on ${d.host.name}: ${refused.detail}`, {
      hint: 'check REGISTRY_PASSWORD in the secrets provider',
    })
  const step = ev.filter((e) => e.event === 'step').slice(-1)[0]?.detail ?? 'start'
  if (out.exitCode === 255)
    throw new OpsError(
      `${d.label}: lost the SSH connection to ${d.host.name} during step ${step}: ${lastLine(out.stderr) || 'connection closed'}`,
      {
        hint: 'the remote shell ends when the connection drops and releases its lock; check the host, then rerun the deploy',
      },
    )
  throw new OpsError(
    `${d.label}: failed at step ${step} on ${d.host.name}: ${lastLine(out.stderr) || `exit ${out.exitCode}`}`,
  )
}
