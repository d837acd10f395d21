// Collect the secret references a run needs (across every target it will deploy) and read them in one go.
import type { PlannedVar } from './resolve.ts'
import type { SecretProvider, SecretRequest } from '../secrets/types.ts'
import type { SecretValues } from '../secrets/secret.ts'

export function requestsFor(planned: PlannedVar[][]): SecretRequest[] {
  const byName = new Map<string, string>()
  for (const v of planned.flat()) if (v.kind === 'secret' && v.ref) byName.set(v.name, v.ref)
  return [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, ref]) => ({ name, ref }))
}

export async function readSecrets(provider: SecretProvider, planned: PlannedVar[][]): Promise<SecretValues> {
  return provider.resolve(requestsFor(planned))
}
