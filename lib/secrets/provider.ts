// One interface for every place secrets can come from. A provider turns {VAR → reference} into
// {VAR → Secret} in as few processes as it can; values are registered with the redactor as they arrive.
import type { Config } from '../config/model.ts'
import type { SecretProviderName } from '../config/schema.ts'
import { OpsError } from '../errors.ts'
import type { Secret } from './secret.ts'
import { azureProvider } from './azure.ts'
import { envProvider } from './env.ts'
import { opProvider } from './op.ts'

export interface SecretRequest {
  /** The env variable the value is for (named in errors, never the value). */
  name: string
  ref: string
}

export interface SecretProvider {
  readonly name: SecretProviderName
  resolve(requests: SecretRequest[]): Promise<Map<string, Secret>>
}

export function providerFor(name: SecretProviderName): SecretProvider {
  switch (name) {
    case 'op':
      return opProvider
    case 'env':
      return envProvider
    case 'azure':
      return azureProvider
  }
}

/** The flag (--secrets-provider) wins over the config set's `provider:`. */
export function chooseProvider(cfg: Config, flag?: string): SecretProvider {
  const name = (flag ?? cfg.secrets.provider) as SecretProviderName
  if (!['op', 'env', 'azure'].includes(name))
    throw new OpsError(`unknown secrets provider "${name}": use op, env or azure`, { exitCode: 64 })
  return providerFor(name)
}

/** Error for a provider that could not deliver some variables: names and references, never values. */
export class SecretReadError extends OpsError {}
