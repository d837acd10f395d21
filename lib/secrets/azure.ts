// Azure Key Vault (design §9.2) through `az keyvault secret show`, one call per secret (az has no batch read).
// References are azkv://<vault>/<secret-name>; the value comes back as JSON on stdout, never through argv.
import { $ } from 'zx/core'
import { type SecretProvider, SecretReadError, type SecretRequest } from './types.ts'
import { Secret } from './secret.ts'

export function azShowArgs(ref: string): string[] {
  const m = /^azkv:\/\/([^/]+)\/([^/]+)$/.exec(ref)
  if (!m)
    throw new SecretReadError(`not an Azure Key Vault reference: ${ref}`, {
      hint: 'write azkv://<key-vault>/<secret-name> in secrets.yml',
    })
  return ['keyvault', 'secret', 'show', '--vault-name', m[1]!, '--name', m[2]!, '--query', 'value', '-o', 'json']
}

function azFailure(r: SecretRequest, exitCode: number | null, stderr: string): SecretReadError {
  const first =
    stderr
      .replace(/^ERROR: /m, '')
      .trim()
      .split('\n')[0] ?? ''
  if (exitCode === 127)
    return new SecretReadError('the Azure CLI (az) is not installed', {
      hint: 'install it: https://learn.microsoft.com/cli/azure/install-azure-cli',
    })
  if (/az login/.test(stderr))
    return new SecretReadError('Azure CLI: not logged in', {
      hint: 'run `az login` (or use a managed identity) and retry',
    })
  if (/SecretNotFound|was not found/i.test(stderr))
    return new SecretReadError(`Key Vault has no secret for ${r.name} (${r.ref}): ${first}`, {
      hint: 'create it with `az keyvault secret set` or fix the reference in secrets.yml',
    })
  return new SecretReadError(`az could not read ${r.name} (${r.ref}): ${first || `exit ${exitCode}`}`)
}

async function readOne(r: SecretRequest): Promise<readonly [string, Secret]> {
  const p = await $({ quiet: true, nothrow: true })`az ${azShowArgs(r.ref)}`
  if (p.exitCode !== 0) throw azFailure(r, p.exitCode, p.stderr)
  let value: unknown
  try {
    value = JSON.parse(p.stdout)
  } catch {
    value = undefined // never quote stdout: it may hold the value
  }
  if (typeof value !== 'string') throw new SecretReadError(`az returned unparseable output for ${r.name} (${r.ref})`)
  return [r.name, new Secret(r.name, value)] as const
}

export const azureProvider: SecretProvider = {
  name: 'azure',
  async resolve(requests) {
    // One at a time: az processes share one MSAL token cache on disk (~/.azure/msal_token_cache.*), and the
    // Azure CLI documents no guarantee for concurrent invocations writing it (a refresh races another read);
    // a run reads a handful of secrets, so a bounded sequence costs seconds, never a corrupted cache.
    const results: (readonly [string, Secret])[] = []
    for (const r of requests) results.push(await readOne(r))
    return new Map(results)
  },
}
