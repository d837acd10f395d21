// rollback — return a stack to an earlier deploy record on its host (lib/deploy/rollback.ts): the last
// complete one before the current, or TO=<n|sha-…>; its files byte for byte and its images by digest, through
// the deploy's own gated path (lock, health, audit action=rollback, a new record). Works with the registry
// down while the host still holds the record's images.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { selectNodes } from '../lib/config/model.ts'
import { describeHostRecord } from '../lib/deploy/host-record.ts'
import { DEPLOY_FLAGS } from '../lib/deploy/flags.ts'
import { type HostDeploy, PLACEHOLDER_TAG, planCore, planWorkers } from '../lib/deploy/plan.ts'
import { chooseTarget, readHostRecords, rollbackDeploy } from '../lib/deploy/rollback.ts'
import { runDeploy } from '../lib/deploy/run.ts'
import { UsageError } from '../lib/errors.ts'
import { sshExecutor, sshTarget } from '../lib/job/ssh.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'

const { tag: _tag, 'dry-run': _dry, ...FLAGS } = DEPLOY_FLAGS

void main(
  {
    name: 'rollback',
    summary: 'return worker node(s) or the core to an earlier deploy record on the host (default: the one before)',
    flags: {
      node: { type: 'string', description: 'worker node name from worker-nodes.yml, all, or core' },
      service: { type: 'string', description: 'the core: one core service, or all' },
      to: { type: 'string', description: 'the record to return to: its number (make deploys) or its tag sha-…' },
      ...FLAGS,
    },
    notes: ['Without TO: the last complete record before the current one. make deploys NODE=… lists them.'],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    if (!flags.node && !flags.service)
      throw new UsageError('nothing to roll back: pass NODE=<name>|all|core and/or SERVICE=<core service>|all (make)')
    const to = flags.to as string | undefined
    // NODE=core is the core (all of it, or SERVICE=); NODE=<name>|all the worker nodes, with the core too when
    // SERVICE= is given.
    const node = flags.node as string | undefined
    const service = (flags.service as string | undefined) ?? (node === 'core' ? 'all' : undefined)
    const bases: { base: HostDeploy; service?: string }[] = [
      ...(service ? [{ base: planCore(cfg, 'all', PLACEHOLDER_TAG), service }] : []),
      ...(node && node !== 'core'
        ? selectNodes(cfg, node).map((n) => ({ base: planWorkers(cfg, n, PLACEHOLDER_TAG) }))
        : []),
    ]
    if (service && service !== 'all') planCore(cfg, service, PLACEHOLDER_TAG) // checks the name
    // Every host's records first: one that cannot roll back refuses the whole run, before anything changes.
    const chosen = await Promise.all(
      bases.map(async ({ base, service }) => {
        const records = await readHostRecords(sshExecutor(sshTarget(cfg, base.host, { multiplex: false })), base)
        const target = chooseTarget(base.label, records, to)
        const current = records[0] as { record: Parameters<typeof rollbackDeploy>[2] }
        const d = rollbackDeploy(base, target, current.record, service)
        say(`${base.label}: from ${describeHostRecord(current.record)}`)
        say(`${' '.repeat(base.label.length)}  back to ${describeHostRecord(target)}`)
        return { d: { ...d, rollbackTo: target.seq }, tag: target.deploy.tag }
      }),
    )
    // One deploy run per tag (its lock owner, audit lines and records name it).
    let code = 0
    for (const tag of [...new Set(chosen.map((c) => c.tag))]) {
      const deploys = chosen.filter((c) => c.tag === tag).map((c) => c.d)
      const opts = {
        tag,
        action: 'rollback' as const,
        forceUnlock: Boolean(flags['force-unlock']),
        healthTimeoutS: Number(flags['health-timeout']),
      }
      code = Math.max(
        code,
        await runDeploy(cfg, deploys, opts, chooseProvider(cfg, flags['secrets-provider'] as string | undefined)),
      )
    }
    return code
  },
)
