// deploy-workers — deploy one worker node (or all) over SSH: design §7.2–7.4.
import { main } from '../lib/cli/main.ts'
import { UsageError } from '../lib/errors.ts'
import { loadConfig } from '../lib/config/load.ts'
import { selectNodes } from '../lib/config/model.ts'
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
    },
    notes: ['Adding a node is one entry in worker-nodes.yml, then: make deploy-workers NODE=<name> TAG=sha-…'],
  },
  async (flags) => {
    const tag = checkTag(flags.tag as string | undefined)
    const cfg = loadConfig(flags.config as string | undefined)
    if (!flags.node)
      throw new UsageError(
        'no node: pass NODE=<name> or NODE=all (make), or --node',
        `the nodes are ${cfg.nodes.map((n) => n.name).join(', ')} (${cfg.files.workers})`,
      )
    const deploys = selectNodes(cfg, flags.node as string).map((n) => planWorkers(cfg, n, tag))
    const opts = { tag, forceUnlock: Boolean(flags['force-unlock']), healthTimeoutS: Number(flags['health-timeout']) }
    if (flags['dry-run']) return printDryRun(cfg, deploys, opts)
    return runDeploy(cfg, deploys, opts, chooseProvider(cfg, flags['secrets-provider'] as string | undefined))
  },
)
