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

export function sshFailure(label: string, target: string, out: RunOutput): OpsError | undefined {
  if (out.exitCode !== 255 || events(out.stdout).length) return undefined
  return new OpsError(`${label}: cannot reach ${target} over SSH: ${lastLine(out.stderr) || 'connection failed'}`, {
    hint: `check the host is up and \`ssh ${target} true\` works (ssh config, keys, address in stack-config.yml)`,
  })
}

export function preflightFailure(label: string, target: string, out: RunOutput): OpsError | undefined {
  if (out.exitCode === 0) return undefined
  const ssh = sshFailure(label, target, out)
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
  const ssh = sshFailure(d.label, d.host.ssh, out)
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
