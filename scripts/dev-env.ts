// dev-env — write <APP>/.env.dev from env.dev.example and the dev secrets (design §5.3 mode 2).
import { SECRET_PROVIDERS } from '../lib/config/schema.ts'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { planEnv } from '../lib/contract/resolve.ts'
import { requireCheckout, requireIgnored } from '../lib/devenv/checkout.ts'
import { OpsError } from '../lib/errors.ts'
import { writeFileAtomic } from '../lib/fs/atomic.ts'
import { fillTemplate } from '../lib/secrets/dotenv.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'
import { readSecrets, requestsFor } from '../lib/contract/read.ts'
import type { SecretValues } from '../lib/secrets/secret.ts'

const TEMPLATE = join(import.meta.dirname, '..', 'templates', 'env.dev.example')

void main(
  {
    name: 'dev-env',
    summary: 'write <APP>/.env.dev (mode 0600, atomic) from env.dev.example plus the dev secrets',
    flags: {
      app: { type: 'string', description: 'path to the KTRDR checkout', default: '../ktrdr' },
      yes: { type: 'boolean', description: 'overwrite an existing .env.dev without asking' },
      'secrets-provider': {
        type: 'string',
        description: 'where secrets come from (default: provider: in secrets.yml)',
        choices: [...SECRET_PROVIDERS],
      },
    },
    notes: ['Refuses when .env.dev is not git-ignored in the checkout. Prints the variables it filled, by name only.'],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const app = flags.app as string
    const target = join(app, '.env.dev')
    requireCheckout(app)
    await requireIgnored(app)
    const templatePath = existsSync(join(app, 'env.dev.example')) ? join(app, 'env.dev.example') : TEMPLATE
    if (existsSync(target) && !(await confirmOrFlag(`${target} exists. Overwrite it?`, { yes: Boolean(flags.yes) })))
      throw new OpsError(`left ${target} as it was`, { exitCode: 1 })
    const devNode = {
      name: 'dev',
      host: 'worker',
      composePath: '/dev/null',
      replicas: 1,
      port: 9000,
      drainTimeoutS: 0,
      maxUnavailable: 1,
    }
    const planned = [
      planEnv(cfg, { environment: 'dev', service: 'backend' }),
      planEnv(cfg, { environment: 'dev', service: 'worker', node: devNode, replica: 1 }),
    ]
    const provider = chooseProvider(cfg, flags['secrets-provider'] as string | undefined)
    const ctx = { secrets: new Map() as SecretValues, filled: [] as string[] }
    await runTree(
      [
        {
          title: `Read ${requestsFor(planned).length} dev secrets with ${provider.name}`,
          task: async (c) => {
            c.secrets = await readSecrets(provider, planned)
          },
        },
        {
          title: `Write ${target} (mode 0600, atomic)`,
          task: (c) => {
            const values: Record<string, string> = {}
            for (const v of planned.flat())
              values[v.name] = v.kind === 'secret' ? c.secrets.get(v.name)!.reveal() : v.value!
            const { text, filled } = fillTemplate(readFileSync(templatePath, 'utf8'), values)
            // The temp file inside .git (never tracked) when .git is a directory there; else beside the target.
            const git = join(dirname(target), '.git')
            writeFileAtomic(target, text, 0o600, existsSync(git) && statSync(git).isDirectory() ? git : dirname(target))
            c.filled = filled
          },
        },
      ],
      ctx,
    )
    say(`wrote ${target} from ${templatePath}`)
    say(`filled: ${ctx.filled.join(', ')}`)
  },
)
