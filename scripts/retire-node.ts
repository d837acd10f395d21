// retire-node — stop and remove a worker node's stack, its deploy records and its lock (guarded, audited on the
// host and on this workstation), so that its entry can then be dropped from worker-nodes.yml.
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { findNode } from '../lib/config/model.ts'
import { retireScript } from '../lib/deploy/retire.ts'
import { OpsError, UsageError } from '../lib/errors.ts'
import { jobHost } from '../lib/job/host.ts'
import { operator } from '../lib/job/operator.ts'
import { appendRecords } from '../lib/records/workstation.ts'
import { hostOf } from '../lib/config/model.ts'

void main(
  {
    name: 'retire-node',
    summary: "stop and remove a worker node's stack, records and lock, so its entry can leave worker-nodes.yml",
    flags: {
      node: { type: 'string', description: 'the worker node to retire (required; never all)' },
      yes: { type: 'boolean', description: 'answer the confirmation (required without a terminal)' },
      'force-unlock': { type: 'boolean', description: "stop a job that holds the node's lock first" },
    },
    notes: ['Then remove its entry from worker-nodes.yml; make status reports a stack the config no longer names.'],
  },
  async (flags) => {
    if (!flags.node || flags.node === 'all')
      throw new UsageError('name one node: NODE=<name> (make); retiring is one node at a time')
    const cfg = loadConfig(flags.config as string | undefined)
    const node = findNode(cfg, flags.node as string)
    const host = hostOf(cfg, node.host)
    const question = `Stop and remove node ${node.name}'s stack (${node.composePath}) on ${host.name}?`
    if (!(await confirmOrFlag(question, { yes: Boolean(flags.yes), flag: 'YES=1' })))
      throw new OpsError('not confirmed: nothing was changed', { exitCode: 1 })
    const h = jobHost(cfg, node.host)
    try {
      await h.runOrThrow(retireScript(cfg, node, Boolean(flags['force-unlock'])), { label: `node ${node.name}` })
    } finally {
      await h.close()
    }
    const kept = appendRecords([
      {
        v: 1,
        time: new Date().toISOString(),
        config: cfg.dir,
        label: `node ${node.name}`,
        host: host.name,
        compose_path: node.composePath,
        job: 'retire-node',
        tag: '-',
        services: [],
        digests: {},
        operator: operator(),
        result: 'retired',
      },
    ])
    if (kept) say(kept)
    say(`node ${node.name}: retired on ${host.name}: stack, records and lock removed (audited in deploy-audit.log)`)
    say(`now remove its entry from ${cfg.files.workers}`)
    return 0
  },
)
