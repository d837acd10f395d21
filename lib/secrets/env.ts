// Secrets from the current environment (CI, or an operator without op). A reference env://NAME reads NAME;
// any other reference reads the variable of the same name as the contract variable.
import { type SecretProvider, SecretReadError } from './types.ts'
import { Secret } from './secret.ts'

export const envProvider: SecretProvider = {
  name: 'env',
  async resolve(requests) {
    const out = new Map<string, Secret>()
    const missing: string[] = []
    for (const r of requests) {
      const source = r.ref.startsWith('env://') ? r.ref.slice('env://'.length) : r.name
      const value = process.env[source]
      if (value === undefined || value === '') missing.push(source === r.name ? r.name : `${r.name} (from ${source})`)
      else out.set(r.name, new Secret(r.name, value))
    }
    if (missing.length)
      throw new SecretReadError(`secrets provider env: not set in the environment: ${missing.join(', ')}`, {
        hint: "export them before running (CI: from the job's secrets), or use --secrets-provider op",
      })
    return out
  },
}
