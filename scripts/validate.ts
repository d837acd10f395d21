// validate — load and check every config file, then print what would be deployed where.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { selectNodes } from '../lib/config/model.ts'
import { summarise } from '../lib/contract/summary.ts'
import type { Environment } from '../lib/config/contract.ts'

void main(
  {
    name: 'validate',
    summary: 'check stack-config.yml, worker-nodes.yml and secrets.yml and print the resolved topology',
    flags: {
      node: { type: 'string', description: 'also check that this worker node exists (or "all")', default: 'all' },
      environment: {
        type: 'string',
        description: 'environment to resolve the env contract for',
        choices: ['dev', 'homelab'],
        default: 'homelab',
      },
    },
    notes: ['Exit 0 when valid; 2 with one line per problem (file:line:col path: message) otherwise.'],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const nodes = selectNodes(cfg, flags.node as string)
    for (const line of summarise(cfg, flags.environment as Environment, nodes)) say(line)
  },
)
