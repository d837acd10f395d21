// Resolve the env of one (environment, service, node, replica): the complete map, or one error that
// lists every missing variable and where to set it.
import { OpsError } from '../errors.ts'
import type { Config } from '../config/model.ts'
import type { EnvSpec } from '../config/schema.ts'
import type { Secret, SecretValues } from '../secrets/secret.ts'
import { CONTRACT, type Consumer, envEntries, specOf, type Target, type VarKind } from '../config/contract.ts'

export interface PlannedVar {
  name: string
  kind: VarKind
  /** Plain/topology value, or a literal set in stack-config. */
  value?: string
  /** Secret reference from the secrets map (op://…), shown instead of a value. */
  ref?: string
}

export class MissingEnvError extends OpsError {
  readonly missing: { name: string; where: string }[]
  constructor(target: Target, missing: { name: string; where: string }[]) {
    const what =
      `${target.service}` +
      `${target.node ? ` on node ${target.node.name}` : ''}` +
      `${target.replica ? ` replica ${target.replica}` : ''}`
    super(
      `env for ${what}${target.environment === 'dev' ? ' (dev)' : ''} is incomplete:\n` +
        `${missing.map((m) => `  - ${m.name}: ${m.where}`).join('\n')}`,
      { exitCode: 2 },
    )
    this.missing = missing
  }
}

function envSpecOf(cfg: Config, service: Consumer): { spec: EnvSpec | undefined; where: string } {
  if (service === 'worker') return { spec: cfg.stack.workers.env, where: `workers.env in ${cfg.files.stack}` }
  if (service === 'deploy') return { spec: ['REGISTRY_USERNAME', 'REGISTRY_PASSWORD'], where: '(built in)' }
  return { spec: cfg.stack.core.services[service]?.env, where: `core.services.${service}.env in ${cfg.files.stack}` }
}

/** Dev reads dev_secrets only: a developer's .env.dev never silently gets the homelab's value. */
function secretRef(cfg: Config, name: string, env: Target['environment']): string | undefined {
  return env === 'dev' ? cfg.secrets.dev_secrets?.[name] : cfg.secrets.secrets[name]
}

/** Every variable the target gets, with values for plain/topology and references for secrets. */
export function planEnv(cfg: Config, target: Target): PlannedVar[] {
  if (target.environment === 'azure')
    throw new OpsError('environment "azure" is not implemented yet (design §9): resolve for dev or homelab')
  if (target.service === 'worker' && !target.node) throw new OpsError('resolving a worker env needs a node')
  const { spec, where } = envSpecOf(cfg, target.service)
  const entries = envEntries(spec)
  const missing: { name: string; where: string }[] = []
  for (const name of requiredFor(target.service))
    if (!entries.some(([n]) => n === name))
      missing.push({ name, where: `required by the contract for ${target.service}: add it to ${where}` })
  const planned: PlannedVar[] = []
  for (const [name, literal] of entries) {
    const spec = specOf(name)
    if (!spec) {
      planned.push({ name, kind: 'plain', value: literal ?? '' })
      continue
    }
    if (spec.kind === 'secret') {
      const ref = secretRef(cfg, name, target.environment)
      if (ref) planned.push({ name, kind: 'secret', ref })
      else if (target.environment === 'dev')
        missing.push({
          name,
          where:
            `secret with no dev reference: add \`${name}: op://<dev vault>/<item>/<field>\` ` +
            `under dev_secrets: in ${cfg.files.secrets} ` +
            `(dev never falls back to the homelab's secrets:)`,
        })
      else
        missing.push({
          name,
          where:
            `secret with no reference: add \`${name}: op://<vault>/<item>/<field>\` under secrets: ` +
            `in ${cfg.files.secrets}`,
        })
      continue
    }
    planned.push({ name, kind: spec.kind, value: literal ?? spec.derive!(cfg, target) })
  }
  if (missing.length) throw new MissingEnvError(target, missing)
  return planned
}

function requiredFor(service: Consumer): string[] {
  return CONTRACT.filter((v) => v.neededBy.includes(service)).map((v) => v.name)
}

/** The secret names a set of targets needs: what one provider call must fetch. */
export function secretNames(planned: PlannedVar[][]): string[] {
  return [
    ...new Set(
      planned
        .flat()
        .filter((v) => v.kind === 'secret')
        .map((v) => v.name),
    ),
  ].sort()
}

/** Plan + secret values → the complete env map. Missing secret values → one error naming them all. */
export function resolveEnv(cfg: Config, target: Target, secrets: SecretValues): Record<string, string> {
  const planned = planEnv(cfg, target)
  const out: Record<string, string> = {}
  const missing: { name: string; where: string }[] = []
  for (const v of planned) {
    if (v.kind !== 'secret') out[v.name] = v.value ?? ''
    else {
      const s: Secret | undefined = secrets.get(v.name)
      if (s) out[v.name] = s.reveal()
      else missing.push({ name: v.name, where: `no value was read for ${v.ref}` })
    }
  }
  if (missing.length) throw new MissingEnvError(target, missing)
  return out
}
