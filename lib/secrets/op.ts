// 1Password: every reference a run needs is resolved by ONE `op inject` process, with a template of all
// references on stdin. Values come back on stdout only; nothing secret is ever in argv.
import { randomBytes } from 'node:crypto'
import { runWithStdin } from '../job/spawn.ts'
import { type SecretProvider, SecretReadError, type SecretRequest } from './types.ts'
import { Secret } from './secret.ts'

/** A template whose markers cannot occur in a value by chance (random per run). */
export function injectTemplate(requests: SecretRequest[], nonce: string): string {
  return requests.map((r) => `<<${nonce}:${r.name}>>{{ ${r.ref} }}<<${nonce}:end>>\n`).join('')
}

export function parseInjected(output: string, requests: SecretRequest[], nonce: string): Map<string, Secret> {
  const out = new Map<string, Secret>()
  for (const r of requests) {
    const start = `<<${nonce}:${r.name}>>`
    const i = output.indexOf(start)
    const j = output.indexOf(`<<${nonce}:end>>`, i + start.length)
    if (i < 0 || j < 0) throw new SecretReadError(`op inject returned no value for ${r.name} (${r.ref})`)
    const value = output.slice(i + start.length, j)
    // op leaves text it does not read as a reference as it is (exit 0): never take that for the secret.
    if (value.includes(r.ref) || /^\s*\{\{[\s\S]*op:\/\/[\s\S]*\}\}\s*$/.test(value))
      throw new SecretReadError(`op inject left ${r.name}'s reference unresolved (${r.ref}): that is no secret`, {
        hint:
          'a name in the reference holds a character op does not resolve (only letters, digits, - _ . are): ' +
          "use the vault's or item's ID instead (op item get <item> --format json)",
      })
    out.set(r.name, new Secret(r.name, value))
  }
  return out
}

const INSTALL =
  'install the 1Password CLI: https://developer.1password.com/docs/cli/get-started/ (macOS: brew install 1password-cli)'

/** op's stderr → an error that says what to do. Values never appear in op's errors; it is redacted anyway. */
export function opFailure(exitCode: number | null, stderr: string, requests: SecretRequest[]): SecretReadError {
  const text = stderr.replace(/^\[ERROR\] \S+ \S+ /gm, '').trim()
  const first = text.split('\n')[0] ?? ''
  if (exitCode === 127 || /command not found|No such file/.test(stderr))
    return new SecretReadError('the 1Password CLI (op) is not installed or not on PATH', { hint: INSTALL })
  if (
    /not currently signed in|not signed in|no accounts configured|session expired|authorization prompt dismissed/i.test(
      text,
    )
  )
    return new SecretReadError(`1Password: not signed in (${first})`, {
      hint:
        'run `eval $(op signin)` (desktop app) or export ' +
        'OP_SERVICE_ACCOUNT_TOKEN for the automation account, then retry',
    })
  if (/too many requests|rate limit|\b429\b/i.test(text))
    return new SecretReadError(`1Password rate limit reached (${first})`, {
      hint:
        'wait a minute and retry; a service account has hourly and daily limits ' +
        '(see `op service-account ratelimit`); ' +
        'one run makes a single op call',
    })
  if (
    /not compatible with the provided user auth/i.test(text) ||
    (/service account|token/i.test(text) && /invalid|decode|malformed|unauthori[sz]ed|revoked/i.test(text))
  )
    return new SecretReadError(`1Password: the service account token was refused (${first})`, {
      hint: 'check OP_SERVICE_ACCOUNT_TOKEN (it may be revoked or mistyped); unset it to use the desktop session',
    })
  const exact = requests.filter((r) => text.includes(r.ref))
  const named = exact.length
    ? exact
    : requests.filter((r) =>
        refParts(r.ref).every((p) => text.includes(`"${p}"`) || text.includes(`'${p}'`) || text.includes(`/${p}`)),
      )
  if (named.length && /isn't|not found|does not have|no item|could not/i.test(text))
    return new SecretReadError(
      `1Password could not resolve ${named.map((r) => `${r.name} (${r.ref})`).join(', ')}: ${first}`,
      {
        hint:
          'check the reference in secrets.yml against the vault (`op item get <item> --vault <vault>`), ' +
          'or create the item',
      },
    )
  return new SecretReadError(`op inject failed (exit ${exitCode}): ${first || 'no message'}`)
}

function refParts(ref: string): string[] {
  return ref
    .replace(/^op:\/\//, '')
    .split('/')
    .slice(0, 2)
}

export const opProvider: SecretProvider = {
  name: 'op',
  async resolve(requests) {
    if (!requests.length) return new Map()
    const nonce = randomBytes(12).toString('hex')
    const p = await runWithStdin('op', ['inject'], injectTemplate(requests, nonce), {})
    if (p.exitCode !== 0) throw opFailure(p.exitCode, p.stderr, requests)
    return parseInjected(p.stdout, requests, nonce)
  },
}
