// logs — the last lines of a service's logs on its host, from the workstation (no secrets needed).
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { findNode, hostOf } from '../lib/config/model.ts'
import { workerServiceNames } from '../lib/compose/workers.ts'
import { OpsError } from '../lib/errors.ts'
import { renderScript } from '../lib/job/render.ts'
import { logsScript } from '../lib/status/remote.ts'
import { closeConnections, sshExecutor, sshTarget } from '../lib/job/ssh.ts'

void main(
  {
    name: 'logs',
    summary: 'print the recent logs of a service on its host (docker compose logs over SSH)',
    flags: {
      node: { type: 'string', description: 'worker node name, or core', default: 'core' },
      service: { type: 'string', description: 'service (worker = every replica of the node)', default: 'backend' },
      tail: { type: 'string', description: 'lines per container', default: '200' },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const core = (flags.node as string).toLowerCase() === 'core'
    const node = core ? undefined : findNode(cfg, flags.node as string)
    const host = hostOf(cfg, node ? node.host : cfg.stack.core.host)
    const path = node ? node.composePath : cfg.stack.core.compose_path
    const service = flags.service as string
    const services = node && service === 'worker' ? workerServiceNames(node) : [service]
    const t = sshTarget(cfg, host)
    const out = await sshExecutor(t).run(renderScript(logsScript(path, services, String(flags.tail))))
    await closeConnections([t])
    if (out.exitCode !== 0)
      throw new OpsError(
        `logs of ${services.join(', ')} on ${host.name}: ${out.stderr.trim().split('\n').slice(-1)[0]}`,
      )
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour escapes from docker's output
    say(out.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd())
  },
)
