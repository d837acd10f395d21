// make status SECRETS=1: the secrets each stack's containers take — today's plan of that stack, as a deploy
// would send them — read from the provider once for all stacks; per stack, what its status shell is given
// (lib/status/remote.ts statusScript): the values to export and "<service> <NAME>" for each secret a service
// takes. The comparison happens on the host (status.sh stack_secret_drift); only names come back.
import type { Config, StackRef } from '../config/model.ts'
import { readSecrets } from '../contract/read.ts'
import { envOf, secretEnvLines } from '../deploy/host-record.ts'
import { PLACEHOLDER_TAG, planCore, planWorkers } from '../deploy/plan.ts'
import type { Revealable } from '../job/render.ts'
import type { SecretProvider } from '../secrets/provider.ts'

export type StatusSecrets = { env: Record<string, string | Revealable>; secretEnv: string[] }

export async function statusSecrets(
  cfg: Config,
  stacks: StackRef[],
  provider: SecretProvider,
): Promise<Map<string, StatusSecrets>> {
  const plans = stacks.map((s) => ({
    s,
    d: s.node ? planWorkers(cfg, s.node, PLACEHOLDER_TAG) : planCore(cfg, 'all', PLACEHOLDER_TAG),
  }))
  const values = await readSecrets(
    provider,
    plans.flatMap((p) => p.d.planned),
  )
  return new Map(
    plans.map(({ s, d }) => {
      const secretEnv = secretEnvLines(envOf(d.compose))
      const taken = new Set(secretEnv.map((l) => l.slice(l.indexOf(' ') + 1)))
      const env = Object.fromEntries(
        Object.entries(d.secretExports)
          .filter(([name]) => taken.has(name))
          .map(([name, from]) => [name, values.get(from)!]),
      )
      return [s.label, { env, secretEnv }]
    }),
  )
}
