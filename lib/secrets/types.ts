// What every secrets provider shares: the request, the provider's interface, its error. No provider is
// imported here, so each provider file imports this one and nothing imports back (no import cycle).
import type { SecretProviderName } from '../config/schema.ts'
import { OpsError } from '../errors.ts'
import type { Secret } from './secret.ts'

export interface SecretRequest {
  /** The env variable the value is for (named in errors, never the value). */
  name: string
  ref: string
}

export interface SecretProvider {
  readonly name: SecretProviderName
  resolve(requests: SecretRequest[]): Promise<Map<string, Secret>>
}

/** Error for a provider that could not deliver some variables: names and references, never values. */
export class SecretReadError extends OpsError {}
