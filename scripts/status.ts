// status — per node and service: running tag, health, last audit line, and drift from the expected tag.
import { OpsError } from '../lib/errors.ts'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { hostOf, selectNodes } from '../lib/config/model.ts'
import { renderScript } from '../lib/job/render.ts'
import { closeConnections, sshExecutor, sshTarget } from '../lib/job/ssh.ts'
import { describeRecord, lastDeployed, readRecords, recordsFile } from '../lib/records/workstation.ts'
import { parseStatus, type StackStatus, statusScript, tagOf } from '../lib/status/remote.ts'

await main(
  {
    name: 'status',
    summary: 'show what runs where: tag, health and last deploy of every service, and drift from the expected tag',
    flags: {
      node: { type: 'string', description: 'worker node, core, or all', default: 'all' },
      tag: { type: 'string', description: "expected tag (default: the tag each host's compose file was rendered for)" },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const node = flags.node as string
    const stacks = [
      ...(node === 'all' || node === 'core'
        ? [
            {
              label: 'core',
              host: hostOf(cfg, cfg.stack.core.host),
              path: cfg.stack.core.compose_path,
              ours: ['backend'],
            },
          ]
        : []),
      ...(node === 'core' ? [] : selectNodes(cfg, node)).map((n) => ({
        label: `node ${n.name}`,
        host: hostOf(cfg, n.host),
        path: n.composePath,
        ours: ['worker'],
      })),
    ]
    const targets = stacks.map((s) => sshTarget(cfg, s.host))
    const results = new Map<string, StackStatus | Error>()
    await runTree(
      stacks.map((s, i) => ({
        title: `${s.label} on ${s.host.name}`,
        task: async () => {
          const out = await sshExecutor(targets[i]!).run(renderScript(statusScript(s.path)))
          if (out.exitCode !== 0)
            throw new OpsError(`cannot read status on ${s.host.name}: ${out.stderr.trim().split('\n').slice(-1)[0]}`)
          results.set(s.label, parseStatus(out.stdout))
        },
      })),
      {},
      { concurrent: true, exitOnError: false },
    ).catch(() => undefined)
    await closeConnections(targets)
    // What this workstation recorded, for a host that cannot tell (lost, unreachable, or its stack gone).
    const { records } = readRecords(cfg)
    const recorded = (label: string) => {
      const { ok, latest } = lastDeployed(records, label)
      if (!latest) return `  recorded on this workstation: no deploy of ${label} (${recordsFile()})`
      const last = `  recorded on this workstation: last deploy ${describeRecord(latest)}`
      return ok && ok !== latest ? `${last}\n  recorded: last successful ${describeRecord(ok)}` : last
    }
    let drift = 0
    for (const s of stacks) {
      const r = results.get(s.label)
      say('')
      if (!r || r instanceof Error) {
        say(`${s.label} (${s.host.name}): unreachable`)
        say(recorded(s.label))
        drift++
        continue
      }
      if (r.absent) {
        say(`${s.label} (${s.host.name}): not deployed (${s.path} absent)`)
        if (lastDeployed(records, s.label).latest) say(recorded(s.label))
        continue
      }
      const expected = (flags.tag as string | undefined) ?? r.fileTag
      say(`${s.label} (${s.host.name}) — expected tag ${expected ?? '?'}`)
      for (const svc of r.services) {
        const ours = s.ours.some((o) => svc.service.startsWith(o))
        const off = ours && expected && tagOf(svc.image) !== expected
        if (off || svc.state !== 'running' || (svc.health !== '-' && svc.health !== 'healthy')) drift++
        say(
          `  ${svc.service.padEnd(12)} ${svc.state.padEnd(8)} ${svc.health.padEnd(9)} ` +
            `${svc.image}${off ? `   DRIFT: expected ${expected}` : ''}`,
        )
      }
      say(`  last deploy: ${r.audit ?? '(no audit line)'}`)
    }
    return drift ? 1 : 0
  },
)
