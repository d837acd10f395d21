// One interface for every place secrets can come from. A provider turns {VAR → reference} into
// {VAR → Secret} in as few processes as it can; values are registered with the redactor as they arrive.
import type { Config } from '../config/model.ts'
import { SECRET_PROVIDERS, type SecretProviderName } from '../config/schema.ts'
import { OpsError } from '../errors.ts'
import { azureProvider } from './azure.ts'
import { envProvider } from './env.ts'
import { opProvider } from './op.ts'
import type { SecretProvider } from './types.ts'

export type { SecretProvider, SecretRequest } from './types.ts'
export { SecretReadError } from './types.ts'

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
  if (!SECRET_PROVIDERS.includes(name))
    throw new OpsError(`unknown secrets provider "${name}": use one of ${SECRET_PROVIDERS.join(', ')}`, {
      exitCode: 64,
    })
  return providerFor(name)
}
