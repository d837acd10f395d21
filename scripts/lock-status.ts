// lock-status — per host, every lock held: by which job and operator, since when, its tag, whether that run is
// still alive. Reads only: a report never takes or probes a lock.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { OpsError } from '../lib/errors.ts'
import { jobHost } from '../lib/job/host.ts'
import { describeRun, heldFor, parseHolders, reportScript, runState } from '../lib/locks/report.ts'
import { statusHosts } from '../lib/locks/targets.ts'

void main(
  {
    name: 'lock-status',
    summary: "show every host's locks: who holds each, since when, for which tag, whether that run is alive",
    flags: { node: { type: 'string', description: 'a worker node, core, or all', default: 'all' } },
    notes: ['make unlock NODE=<node|core> stops a job that holds a lock and hangs (docs/runbook.md).'],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const hosts = statusHosts(cfg, flags.node as string)
    let unreachable = 0
    const reports = await Promise.all(
      hosts.map(async (name) => {
        const h = jobHost(cfg, name)
        try {
          return { name, holders: parseHolders((await h.runOrThrow(reportScript())).stdout) }
        } catch (e) {
          unreachable++
          return { name, error: e instanceof OpsError ? e.message : String(e) }
        } finally {
          await h.close()
        }
      }),
    )
    for (const r of reports) {
      if ('error' in r) {
        say(`${r.name}: cannot tell — ${r.error}`)
        continue
      }
      if (!r.holders.length) say(`${r.name}: no lock held`)
      for (const h of r.holders) {
        const run = describeRun(runState(h), h)
        const held = heldFor(h.since)
        say(`${r.name}: ${h.scope} held by ${h.owner}${held ? ` (for ${held})` : ''}; ${run}`)
      }
    }
    return unreachable ? 1 : 0
  },
)
