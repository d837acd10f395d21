// unlock — stop the job that holds a node's (or the core's) lock and hangs, without deploying: refused while the
// run that took the lock is alive (or cannot be checked from here) unless FORCE=1; audited on the host.
import { main } from '../lib/cli/main.ts'
import { say, warn } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { OpsError, UsageError } from '../lib/errors.ts'
import { jobHost } from '../lib/job/host.ts'
import { lastEvent } from '../lib/job/protocol.ts'
import { describeRun, parseHolders, reportScript, runState, unlockScript } from '../lib/locks/report.ts'
import { lockTarget } from '../lib/locks/targets.ts'

void main(
  {
    name: 'unlock',
    summary: "stop the job that holds a host's lock (TERM: its cleanups run, a deploy puts its release back)",
    flags: {
      node: { type: 'string', description: 'a worker node, or core (required)' },
      force: { type: 'boolean', description: 'stop it even while its run is alive or on another machine' },
    },
    notes: ['See who holds what first: make lock-status. A lock is never stale: held means a job runs.'],
  },
  async (flags) => {
    if (!flags.node) throw new UsageError('no node: pass NODE=<name> or NODE=core (make), or --node')
    const cfg = loadConfig(flags.config as string | undefined)
    const t = lockTarget(cfg, flags.node as string)
    const h = jobHost(cfg, t.host)
    try {
      const holders = parseHolders((await h.runOrThrow(reportScript())).stdout).filter((x) =>
        t.scopes.includes(x.scope),
      )
      if (!holders.length) {
        say(`${t.label}: no lock held on ${t.host}: nothing to do`)
        return 0
      }
      for (const x of holders) {
        const state = runState(x)
        if (state !== 'gone' && !flags.force)
          throw new OpsError(`${t.label}: ${x.scope} is held by ${x.owner}; ${describeRun(state, x)}: refused`, {
            hint: `let that run finish or stop it there (Ctrl-C); to stop the job on ${t.host} anyway: FORCE=1`,
            exitCode: 75,
          })
      }
      for (const x of holders) {
        if (runState(x) !== 'gone') warn(`${t.label}: stopping ${x.owner} though ${describeRun(runState(x), x)}`)
        const out = await h.runOrThrow(unlockScript(x.scope, t.auditFile), { label: t.label })
        say(
          lastEvent(out.stdout, 'unlock-none') !== undefined
            ? `${t.label}: ${x.scope} was released meanwhile: nothing stopped`
            : `${t.label}: stopped ${x.owner}; ${x.scope} is free (audited in ${t.auditFile} on ${t.host})`,
        )
      }
      return 0
    } finally {
      await h.close()
    }
  },
)
