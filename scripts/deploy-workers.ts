// deploy-workers — deploy one worker node (or all) over SSH: design §7.2–7.4.
import { main } from '../lib/cli/main.ts'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { OpsError, UsageError } from '../lib/errors.ts'
import { loadConfig } from '../lib/config/load.ts'
import { durationSeconds, selectNodes } from '../lib/config/model.ts'
import { printDryRun } from '../lib/deploy/dry-run.ts'
import { DEPLOY_FLAGS } from '../lib/deploy/flags.ts'
import { checkTag, planWorkers } from '../lib/deploy/plan.ts'
import { runDeploy } from '../lib/deploy/run.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'

void main(
  {
    name: 'deploy-workers',
    summary: "render each node's compose file from worker-nodes.yml and deploy it over SSH",
    flags: {
      node: { type: 'string', description: 'worker node name from worker-nodes.yml, or all (required)' },
      ...DEPLOY_FLAGS,
      'drain-timeout': {
        type: 'string',
        description: "how long to wait for a busy replica to finish its job (90s, 10m, 1h; default: the node's)",
      },
      force: {
        type: 'boolean',
        description: 'replace a replica still busy at its drain deadline (its job is interrupted and re-queued)',
      },
      yes: { type: 'boolean', description: 'answer yes to --force with --node=all when there is no terminal' },
    },
    notes: [
      'Adding a node is one entry in worker-nodes.yml, then: make deploy-workers NODE=<name> TAG=sha-…',
      'Each changed replica is drained (its job finishes), replaced, then waited for (docs/deploy.md).',
    ],
  },
  async (flags) => {
    const tag = checkTag(flags.tag as string | undefined)
    const cfg = loadConfig(flags.config as string | undefined)
    if (!flags.node)
      throw new UsageError(
        'no node: pass NODE=<name> or NODE=all (make), or --node',
        `the nodes are ${cfg.nodes.map((n) => n.name).join(', ')} (${cfg.files.workers})`,
      )
    const drainTimeoutS = drainTimeout(flags['drain-timeout'] as string | undefined)
    const deploys = selectNodes(cfg, flags.node as string).map((n) => planWorkers(cfg, n, tag))
    const force = Boolean(flags.force)
    if (force && flags.node === 'all' && !flags['dry-run']) {
      const names = deploys.map((d) => d.label).join(', ')
      const question =
        `FORCE=1 on every node (${names}): a worker still busy at its drain deadline is replaced and its job ` +
        'interrupted. Go on?'
      if (!(await confirmOrFlag(question, { yes: Boolean(flags.yes) })))
        throw new OpsError('nothing was deployed', { exitCode: 1 })
    }
    const opts = {
      tag,
      forceUnlock: Boolean(flags['force-unlock']),
      healthTimeoutS: Number(flags['health-timeout']),
      force,
      ...(drainTimeoutS === undefined ? {} : { drainTimeoutS }),
    }
    if (flags['dry-run']) return printDryRun(cfg, deploys, opts)
    return runDeploy(cfg, deploys, opts, chooseProvider(cfg, flags['secrets-provider'] as string | undefined))
  },
)

/** DRAIN_TIMEOUT=: a compose-style duration, as worker-nodes.yml's drain_timeout takes. */
function drainTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = durationSeconds(value)
  if (seconds === undefined)
    throw new UsageError(
      `DRAIN_TIMEOUT=${JSON.stringify(value)} is not a duration: nothing was deployed`,
      'write it as 90s, 10m or 1h (a positive whole number and its unit), as drain_timeout in worker-nodes.yml',
    )
  return seconds
}
