// check-templates — fail when templates/env.dev.example and the env contract disagree.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { APP_VARIABLES } from '../lib/config/contract.ts'
import { OpsError } from '../lib/errors.ts'
import { templateKeys } from '../lib/secrets/dotenv.ts'

void main(
  {
    name: 'check-templates',
    summary: 'check that env.dev.example lists exactly the variables of the env contract',
    flags: {
      template: { type: 'string', description: 'the env example to check', default: 'templates/env.dev.example' },
    },
  },
  async (flags) => {
    const path = flags.template as string
    const keys = templateKeys(readFileSync(path, 'utf8'))
    const missing = APP_VARIABLES.filter((v) => !keys.includes(v))
    const extra = keys.filter((k) => !APP_VARIABLES.includes(k))
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i)
    const problems = [
      ...missing.map(
        (v) => `${path}: missing ${v} (in the contract, lib/contract/variables.ts): add a commented line ${v}=`,
      ),
      ...extra.map((v) => `${path}: ${v} is not in the contract: remove it, or add it to lib/contract/variables.ts`),
      ...dupes.map((v) => `${path}: ${v} is listed twice`),
    ]
    if (problems.length) throw new OpsError(`${problems.length} problem(s):\n${problems.join('\n')}`, { exitCode: 1 })
    say(`${path}: all ${keys.length} contract variables listed (${join('lib', 'contract', 'variables.ts')})`)
  },
)
