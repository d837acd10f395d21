// status — per node and service: running tag, health, last audit line, and drift from the expected tag.
import { OpsError } from '../lib/errors.ts'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { selectStacks } from '../lib/config/model.ts'
import { renderScript } from '../lib/job/render.ts'
import { closeConnections, sshExecutor, sshTarget } from '../lib/job/ssh.ts'
import { describeRecord, lastDeployed, readRecords, recordsFile } from '../lib/records/workstation.ts'
import { LOCKS, nodeLock } from '../lib/job/lock.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'
import { statusSecrets } from '../lib/status/secrets.ts'
import { driftOf, recordSeq, type StatusJson } from '../lib/status/drift.ts'
import {
  parseProjects,
  parseStatus,
  projectsScript,
  type StackStatus,
  statusScript,
  tagOf,
} from '../lib/status/remote.ts'

void main(
  {
    name: 'status',
    summary: 'show what runs where: tag, health and last deploy of every service, and drift from the expected tag',
    flags: {
      node: { type: 'string', description: 'worker node, core, or all', default: 'all' },
      tag: { type: 'string', description: "expected tag (default: the tag each host's compose file was rendered for)" },
      json: { type: 'boolean', description: 'print one JSON document (docs/deploy.md, "Drift") instead of text' },
      secrets: {
        type: 'boolean',
        description: "also compare each container's secrets with the provider's values, on the host (names only)",
      },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const node = flags.node as string
    const refs = selectStacks(cfg, node)
    const secrets = flags.secrets ? await statusSecrets(cfg, refs, chooseProvider(cfg)) : undefined
    const stacks = refs.map((s) => ({
      label: s.label,
      host: s.host,
      path: s.composePath,
      ours: s.node ? ['worker'] : ['backend'],
      locks: s.node ? [nodeLock(s.node.name).scope] : LOCKS['deploy-core'].map((l) => l.scope),
    }))
    const targets = stacks.map((s) => sshTarget(cfg, s.host))
    const results = new Map<string, StackStatus | Error>()
    await runTree(
      stacks.map((s, i) => ({
        title: `${s.label} on ${s.host.name}`,
        task: async () => {
          const out = await sshExecutor(targets[i]!).run(
            renderScript(statusScript(s.path, s.locks, secrets?.get(s.label))),
          )
          if (out.exitCode !== 0)
            throw new OpsError(`cannot read status on ${s.host.name}: ${out.stderr.trim().split('\n').slice(-1)[0]}`)
          results.set(s.label, parseStatus(out.stdout))
        },
      })),
      {},
      { concurrent: true, exitOnError: false, silent: Boolean(flags.json) },
    ).catch(() => undefined)
    // Every host of the config, when all are asked: a stack there that no entry of the config names.
    const known = new Set([cfg.stack.core.compose_path, ...cfg.nodes.map((n) => n.composePath)])
    const strays: { host: string; name: string; files: string[] }[] = []
    if (node === 'all')
      await Promise.all(
        [...cfg.hosts.values()].map(async (host) => {
          const i = stacks.findIndex((s) => s.host.name === host.name)
          const t = i >= 0 ? targets[i]! : sshTarget(cfg, host)
          if (i < 0) targets.push(t)
          const out = await sshExecutor(t).run(renderScript(projectsScript()))
          if (out.exitCode !== 0) return // an unreachable host is reported with its stacks
          for (const p of parseProjects(out.stdout))
            if (!p.files.some((f) => known.has(f))) strays.push({ host: host.name, ...p })
        }),
      )
    await closeConnections(targets)
    // What this workstation recorded, for a host that cannot tell (lost, unreachable, or its stack gone).
    const { records } = readRecords(cfg)
    const recorded = (label: string) => {
      const { ok, latest } = lastDeployed(records, label)
      if (!latest) return `  recorded on this workstation: no deploy of ${label} (${recordsFile()})`
      const last = `  recorded on this workstation: last deploy ${describeRecord(latest)}`
      return ok && ok !== latest ? `${last}\n  recorded: last successful ${describeRecord(ok)}` : last
    }
    const json: StatusJson = { v: 1, drift: 0, stacks: [] }
    let drift = 0
    const print = flags.json ? () => {} : say
    for (const s of stacks) {
      const r = results.get(s.label)
      const entry: StatusJson['stacks'][number] = {
        label: s.label,
        host: s.host.name,
        compose_path: s.path,
        state: 'ok',
        tag: null,
        record: null,
        services: [],
        drift: [],
      }
      json.stacks.push(entry)
      print('')
      if (!r || r instanceof Error) {
        print(`${s.label} (${s.host.name}): unreachable`)
        print(recorded(s.label))
        entry.state = 'unreachable'
        entry.drift.push({ class: 'unreachable', detail: r instanceof Error ? r.message : 'no answer' })
        drift++
        continue
      }
      if (r.absent) {
        print(`${s.label} (${s.host.name}): not deployed (${s.path} absent)`)
        if (lastDeployed(records, s.label).latest) print(recorded(s.label))
        entry.state = 'absent'
        continue
      }
      const expected = (flags.tag as string | undefined) ?? r.fileTag
      entry.tag = r.fileTag ?? null
      entry.record = recordSeq(r)
      entry.services = r.services
      print(`${s.label} (${s.host.name}) — expected tag ${expected ?? '?'}`)
      let off = 0
      for (const svc of r.services) {
        const ours = s.ours.some((o) => svc.service.startsWith(o))
        const wrong = ours && expected && tagOf(svc.image) !== expected
        if (wrong || svc.state !== 'running' || (svc.health !== '-' && svc.health !== 'healthy')) off++
        print(
          `  ${svc.service.padEnd(12)} ${svc.state.padEnd(8)} ${svc.health.padEnd(9)} ` +
            `${svc.image}${wrong ? `   DRIFT: expected ${expected}` : ''}`,
        )
      }
      print(`  last deploy: ${r.audit ?? '(no audit line)'}`)
      entry.drift = driftOf(r)
      for (const d of entry.drift) print(`  DRIFT ${d.class}: ${d.service ? `${d.service}: ` : ''}${d.detail}`)
      if (entry.drift.length || off) {
        entry.state = 'drift'
        drift += Math.max(1, entry.drift.length + off)
      }
    }
    for (const x of strays) {
      const detail = `compose project ${x.name} (${x.files.join(', ') || 'no file'}) is named by no entry of the config`
      print('')
      print(`${x.host}: DRIFT not-in-config: ${detail} (retire it: make retire-node, docs/deploy.md)`)
      json.stacks.push({
        label: x.name,
        host: x.host,
        compose_path: x.files[0] ?? '',
        state: 'drift',
        tag: null,
        record: null,
        services: [],
        drift: [{ class: 'not-in-config', detail }],
      })
      drift++
    }
    json.drift = drift
    if (flags.json) say(JSON.stringify(json, null, 2))
    return drift ? 1 : 0
  },
)
