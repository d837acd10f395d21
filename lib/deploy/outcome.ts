// A deploy's run on a host, read back (lib/job/failure.ts does what every job shares): the preflight's
// verdict, and the deploy's — done, rolled back, or the one sentence that says what went wrong.
import { OpsError } from '../errors.ts'
import { jobFailure, type FailureTable, type RunOutput } from '../job/failure.ts'
import { EXIT, events } from '../job/protocol.ts'
import type { HostDeploy } from './plan.ts'

export type { RunOutput }

const place = (d: Pick<HostDeploy, 'label' | 'host'>) => ({
  label: d.label,
  target: d.host.ssh,
  address: d.host.address,
  where: d.host.name,
  canForce: true,
})

/** The preflight's failure: ssh (DNS told apart), or what the host lacks. */
export function preflightFailure(d: Pick<HostDeploy, 'label' | 'host'>, out: RunOutput): OpsError | undefined {
  const err = jobFailure(place(d), out)
  if (!err || err.exitCode === EXIT.interrupted || out.exitCode === EXIT.ssh) return err
  return new OpsError(err.message.replace(`${d.label}: `, `${d.label}: preflight failed on ${d.host.ssh}: `), {
    hint: err.hint,
  })
}

export type DeployOutcome = { status: 'ok' } | { status: 'rolled-back'; previous: string; error: OpsError }

const unhealthy = (out: RunOutput) =>
  (
    events(out.stdout)
      .filter((e) => e.event === 'unhealthy')
      .at(-1)?.detail ?? ''
  ).trim()

export function deployOutcome(d: HostDeploy, out: RunOutput): DeployOutcome {
  if (out.exitCode === EXIT.rolledBack) {
    const previous = events(out.stdout).find((e) => e.event === 'rollback')?.detail || 'the previous tag'
    const error = new OpsError(`${d.label}: unhealthy after deploy (${unhealthy(out)}): rolled back to ${previous}`)
    return { status: 'rolled-back', previous, error }
  }
  const table: FailureTable = {
    'login-refused': (detail) =>
      new OpsError(`${d.label}: registry login refused on ${d.host.name}: ${detail}`, {
        hint: 'check REGISTRY_PASSWORD in the secrets provider',
      }),
  }
  if (out.exitCode === EXIT.unhealthy) {
    const rolled = events(out.stdout).find((e) => e.event === 'rollback')
    const first =
      events(out.stdout)
        .find((e) => e.event === 'unhealthy')
        ?.detail.trim() ?? ''
    throw rolled
      ? new OpsError(
          `${d.label}: unhealthy after deploy (${first}), and the rollback to ${rolled.detail} was unhealthy too ` +
            `(${unhealthy(out)})`,
          { hint: 'see make logs, then deploy a tag known to be good' },
        )
      : new OpsError(`${d.label}: unhealthy after deploy (${first}) and no previous config to roll back to`)
  }
  const err = jobFailure(place(d), out, table)
  if (err) throw err
  return { status: 'ok' }
}
