// One host's deploy as steps of a recovery tree: the same preflight, secrets, registry check and deploy
// script as `make deploy-*` (lib/deploy), but as tasks of the caller's tree so the run reads as the
// runbook. The deploy script itself takes the host's deploy lock and rolls back on failure.
import type { ListrTask } from 'listr2'
import type { Config } from '../config/model.ts'
import { deployOutcome, preflightFailure } from '../deploy/outcome.ts'
import { keepRecords } from '../deploy/records.ts'
import type { HostDeploy } from '../deploy/plan.ts'
import { onStepLine } from '../job/protocol.ts'
import { type DeployOptions, deployScript, preflightScript } from '../deploy/scripts.ts'
import { OpsError } from '../errors.ts'
import { tagDigest } from '../registry/manifest.ts'
import type { Executor } from '../job/executor.ts'
import { renderScript } from '../job/render.ts'
import type { SecretProvider } from '../secrets/provider.ts'
import { readSecrets, requestsFor } from '../contract/read.ts'
import type { SecretValues } from '../secrets/secret.ts'

export interface DeployCtx {
  secrets?: SecretValues
  deployed?: string[]
  /** Said after the tree (a deploy record this workstation could not keep). */
  warnings?: string[]
  /** The deploys whose script was sent to the host (by label, in order): what a failure may have changed. */
  sent?: string[]
}

/** Read-only: SSH, docker, compose v2 and the shared mount on the host (the deploy preflight). */
export function preflightTask<C>(
  cfg: Config,
  label: string,
  exec: Executor,
  host: { name: string; ssh: string; address?: string },
  signal: AbortSignal,
): ListrTask<C> {
  return {
    title: `Check ${host.name}: SSH, docker, compose v2, shared mount ${cfg.stack.shared.host_path}`,
    task: async (_c, task) => {
      const out = await exec.run(renderScript(preflightScript(cfg)), { signal })
      const err = preflightFailure({ label, host: { ...host, address: host.address ?? '' } }, out)
      if (err)
        throw err.hint
          ? err
          : new OpsError(err.message, {
              hint:
                `mount the NFS export at ${cfg.stack.shared.host_path} on ${host.name} (docs/runbook.md), ` +
                `then run this again; nothing was deployed`,
            })
      task.title = `${host.name}: docker, compose v2 and the shared mount ${cfg.stack.shared.host_path} are there`
    },
  }
}

/** Secrets → tag in the registry → deploy script (lock, ship, pull, up, health, rollback). */
export function deployTasks<C extends DeployCtx>(
  cfg: Config,
  d: HostDeploy,
  o: DeployOptions,
  provider: SecretProvider,
  exec: Executor,
  signal: AbortSignal,
): ListrTask<C>[] {
  const digests = new Map<string, string>()
  const record = (c: C, result: string) => {
    const w = keepRecords(cfg, [d], o.tag, new Map([[d.label, result]]), new Map([[d.label, digests]]))
    if (w) c.warnings = [...(c.warnings ?? []), w]
  }
  return [
    {
      title: `Read ${requestsFor(d.planned).length} secrets with ${provider.name}`,
      skip: (c) => (c.secrets ? 'read once for this run' : false),
      task: async (c) => {
        c.secrets = await readSecrets(provider, d.planned)
      },
    },
    {
      title: `Image tag ${o.tag} in the registry`,
      skip: () => (d.images.length ? false : 'no image of ours in this step'),
      task: async (c) => {
        for (const image of d.images) {
          const digest = await tagDigest(image, cfg.stack.registry.username, c.secrets!.get('REGISTRY_PASSWORD')!)
          if (digest !== undefined) {
            digests.set(image, digest)
            continue
          }
          throw new OpsError(`${d.label}: image ${image} is not in the registry`, {
            hint: 'build and push it first (CI does on merge to main), or pick an existing TAG',
          })
        }
      },
    },
    {
      title:
        `Deploy ${d.label} on ${d.host.name}: ${d.services.join(', ')} at ${o.tag} ` +
        `(locked, health-checked, rolled back on failure)`,
      task: async (c, t) => {
        const onLine = onStepLine((step) => (t.output = step))
        let out: Awaited<ReturnType<Executor['run']>>
        c.sent = [...(c.sent ?? []), d.label]
        try {
          out = await exec.run(renderScript(deployScript(cfg, d, o, c.secrets!)), { holdStdin: true, signal, onLine })
        } catch (e) {
          record(c, 'failed')
          throw e
        }
        if (signal.aborted) {
          record(c, 'interrupted')
          throw new OpsError(`${d.label}: interrupted; the remote shell was ended and its lock released`, {
            exitCode: 130,
          })
        }
        let outcome: ReturnType<typeof deployOutcome>
        try {
          outcome = deployOutcome(d, out)
        } catch (e) {
          record(c, 'failed')
          throw e
        }
        record(c, outcome.status)
        if (outcome.status !== 'ok') throw outcome.error
        c.deployed = [...(c.deployed ?? []), `${d.label}: ${d.services.join(', ')} healthy at ${o.tag}`]
      },
    },
  ]
}
