// recover-worker — §8.4 scenario A, after the worker LXC has been recreated: check the node's shared mount
// over SSH, then deploy the node (the same steps as make deploy-workers NODE=X). Refuses, with nothing
// deployed, when the NFS export is not mounted at shared.host_path.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { findNode } from '../lib/config/model.ts'
import { checkTag, planWorkers } from '../lib/deploy/plan.ts'
import { UsageError } from '../lib/errors.ts'
import { type DeployCtx, deployTasks, preflightTask } from '../lib/recover/deploy-host.ts'
import { RECOVER_FLAGS } from '../lib/recover/flags.ts'
import { recoverTag } from '../lib/recover/tag.ts'
import { closeConnections, sshExecutor, sshTarget } from '../lib/job/ssh.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'

void main(
  {
    name: 'recover-worker',
    summary: "scenario A (docs/runbook.md): check a rebuilt worker node's shared mount, then deploy it",
    flags: {
      node: { type: 'string', description: 'the worker node to recover (a name from worker-nodes.yml)' },
      ...RECOVER_FLAGS,
    },
    notes: [
      'make recover-worker NODE=B TAG=sha-… — ' +
        'after recreating the LXC and mounting the NFS export (docs/runbook.md).',
    ],
  },
  async (flags) => {
    if (flags.tag !== undefined) checkTag(flags.tag as string)
    const cfg = loadConfig(flags.config as string | undefined)
    if (!flags.node)
      throw new UsageError(
        'no node: pass NODE=<name> (make) or --node',
        `the nodes are ${cfg.nodes.map((n) => n.name).join(', ')} (${cfg.files.workers})`,
      )
    const node = findNode(cfg, flags.node as string)
    const { tag, from } = recoverTag(flags.tag as string | undefined, cfg, `node ${node.name}`)
    if (from) say(from)
    const d = planWorkers(cfg, node, tag)
    const target = sshTarget(cfg, d.host)
    const exec = sshExecutor(target)
    const abort = new AbortController()
    const onSignal = () => abort.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const opts = { tag, forceUnlock: Boolean(flags['force-unlock']), healthTimeoutS: Number(flags['health-timeout']) }
    const ctx: DeployCtx = {}
    try {
      await runTree<DeployCtx>(
        [
          preflightTask(cfg, d.label, exec, d.host, abort.signal),
          ...deployTasks<DeployCtx>(
            cfg,
            d,
            opts,
            chooseProvider(cfg, flags['secrets-provider'] as string | undefined),
            exec,
            abort.signal,
          ),
        ],
        ctx,
      )
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await closeConnections([target])
    }
    for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
    say(
      `recovered ${d.label} on ${d.host.name}: ${d.services.join(', ')} healthy at ${tag}; ` +
        `check with make status NODE=${node.name}`,
    )
  },
)
