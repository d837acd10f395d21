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

export type DeployOutcome =
  | { status: 'ok'; forced: string[] }
  | { status: 'rolled-back'; previous: string; error: OpsError }
  | { status: 'partial'; error: OpsError }

/** A rolling deploy's replicas replaced while busy (FORCE=1), as "job <id> on <service>". */
export function forcedJobs(out: RunOutput): string[] {
  return events(out.stdout)
    .filter((e) => e.event === 'forced')
    .map((e) => {
      const [svc, job] = e.detail.trim().split(' ')
      return `job ${job || '(unknown)'} on ${svc}`
    })
}

/** A rolling deploy that stopped at its drain deadline (rolling.sh, exit 74): what was replaced, what holds. */
function partialOutcome(d: HostDeploy, out: RunOutput): OpsError {
  const held =
    events(out.stdout)
      .find((e) => e.event === 'drain-timeout')
      ?.detail.trim() ?? 'a replica stayed busy'
  const replaced = events(out.stdout)
    .filter((e) => e.event === 'replica' && / replaced$/.test(e.detail.trim()))
    .map((e) => e.detail.trim().replace(/ replaced$/, ''))
  const node = d.label.replace(/^node /, '')
  return new OpsError(
    `${d.label}: partly updated: ${held}; replaced ${replaced.length ? replaced.join(', ') : 'none'}, the rest ` +
      'still run their release (a partial deploy record says so)',
    {
      hint:
        `when the job has finished: make deploy-workers NODE=${node} TAG=<the same tag> (it drains only what is ` +
        'left); or FORCE=1 to replace it now (the backend re-queues its job), or a longer DRAIN_TIMEOUT=',
      exitCode: EXIT.partial,
    },
  )
}

const unhealthy = (out: RunOutput) =>
  (
    events(out.stdout)
      .filter((e) => e.event === 'unhealthy')
      .at(-1)?.detail ?? ''
  ).trim()

/** The failing containers' last log lines (deploy.sh's `log` events, before any rollback), indented. */
export function lastLogs(out: RunOutput): string {
  const ev = events(out.stdout)
  const stop = ev.findIndex((e) => e.event === 'rollback')
  const lines = (stop < 0 ? ev : ev.slice(0, stop)).filter((e) => e.event === 'log').map((e) => `    ${e.detail}`)
  return lines.length ? `\n  last log lines:\n${lines.join('\n')}` : ''
}

/** What an interrupted or half-failed deploy left on the host: deploy.sh's put-back, in words. */
export function putBack(out: RunOutput): string | undefined {
  return events(out.stdout)
    .filter((e) => e.event === 'put-back')
    .at(-1)
    ?.detail.trim()
}

/** A deploy stopped by Ctrl-C (or TERM): what the host runs now, and the one command that repairs it. */
export function interruptedOutcome(d: HostDeploy, out: RunOutput, repair: string): OpsError {
  const back = putBack(out)
  const stepsSeen = events(out.stdout).some((e) => e.event === 'step' && e.detail.trim() === 'ship')
  if (back && /running and healthy$/.test(back))
    return new OpsError(`${d.label}: ${back}`, { exitCode: EXIT.interrupted })
  if (back) return new OpsError(`${d.label}: ${back}`, { hint: `repair: ${repair}`, exitCode: EXIT.interrupted })
  if (!stepsSeen && out.exitCode === EXIT.interrupted)
    return new OpsError(`${d.label}: interrupted before anything changed on ${d.host.name}`, {
      exitCode: EXIT.interrupted,
    })
  return new OpsError(
    `${d.label}: interrupted, and the connection was cut before ${d.host.name} reported back: the host puts ` +
      'its previous release back on its own (deploy-audit.log there records it)',
    { hint: `check: make status; repair if needed: ${repair}`, exitCode: EXIT.interrupted },
  )
}

export function deployOutcome(d: HostDeploy, out: RunOutput): DeployOutcome {
  if (out.exitCode === EXIT.partial && events(out.stdout).some((e) => e.event === 'drain-timeout'))
    return { status: 'partial', error: partialOutcome(d, out) }
  if (out.exitCode === EXIT.rolledBack) {
    const previous = events(out.stdout).find((e) => e.event === 'rollback')?.detail || 'the previous tag'
    const error = new OpsError(
      `${d.label}: unhealthy after deploy (${unhealthy(out)}): rolled back to ${previous}${lastLogs(out)}`,
    )
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
            `(${unhealthy(out)})${lastLogs(out)}`,
          { hint: 'see make logs, then deploy a tag known to be good' },
        )
      : new OpsError(
          `${d.label}: unhealthy after deploy (${first}) and no previous config to roll back to${lastLogs(out)}`,
        )
  }
  const err = jobFailure(place(d), out, table)
  const back = putBack(out)
  if (err && back) throw new OpsError(`${err.message}; ${back}`, { hint: err.hint, exitCode: err.exitCode })
  if (err) throw err
  return { status: 'ok', forced: forcedJobs(out) }
}
