// deploys — the deploy records a host keeps beside its compose file, newest first: what `make rollback` can
// return to (lib/deploy/rollback.ts).
import { dirname } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { selectStacks } from '../lib/config/model.ts'
import { describeRecords, readHostRecords } from '../lib/deploy/rollback.ts'
import { sshExecutor, sshTarget } from '../lib/job/ssh.ts'

void main(
  {
    name: 'deploys',
    summary: 'list the deploy records each host keeps (what make rollback can return to)',
    flags: { node: { type: 'string', description: 'worker node, core, or all', default: 'all' } },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const node = flags.node as string
    const bases = selectStacks(cfg, node)
    const listed = await Promise.all(
      bases.map(async (b) => {
        try {
          return { b, records: await readHostRecords(sshExecutor(sshTarget(cfg, b.host, { multiplex: false })), b) }
        } catch (e) {
          return { b, error: (e as Error).message }
        }
      }),
    )
    let code = 0
    for (const x of listed) {
      say(`${x.b.label} (${x.b.host.name}, ${dirname(x.b.composePath)}/deploys):`)
      if ('error' in x) {
        say(`  ${x.error}`)
        code = 1
      } else if (!x.records!.length) say('  no deploy records')
      else for (const l of describeRecords(x.b.label, x.records!)) say(l)
    }
    return code
  },
)
