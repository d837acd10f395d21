// Does <registry>/<repo>:<tag> exist, and at which digest? Asked over the registry's HTTP API (Docker
// Registry v2 / OCI distribution) from this machine, with basic auth or the bearer-token flow GHCR uses
// (401 + `WWW-Authenticate: Bearer realm=…` → the token service, with the credentials → the manifest, with
// the token). The password stays in memory: it goes in a request header, never in argv. Each way the flow
// can fail has its own message: the token service refusing the credentials, the registry refusing the token
// it gave (expired, or not trusted), a token without the pull this repository needs.
import { OpsError } from '../errors.ts'
import type { Secret } from '../secrets/secret.ts'

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export function splitImage(ref: string): { registry: string; repo: string; tag: string } {
  const m = /^([^/]+)\/([^@]+)@(sha256:[0-9a-f]{64})$/.exec(ref) ?? /^([^/]+)\/(.+):([^:/@]+)$/.exec(ref)
  if (!m) throw new OpsError(`not an image reference with a registry and a tag or digest: ${ref}`)
  return { registry: m[1]!, repo: m[2]!, tag: m[3]! }
}

/** localhost, 127.x.y.z or [::1], with an optional port: the only hosts spoken to over plain http. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/

function baseUrl(registry: string): string {
  return LOOPBACK.test(registry) ? `http://${registry}` : `https://${registry}`
}

/** The key="value" parameters of a WWW-Authenticate challenge. */
export function challengeParams(challenge: string): Record<string, string> {
  return Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
}

/** Why a fetch failed, in words: node's "fetch failed" names its reason only in `cause`. */
export function fetchFailure(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? ''
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its name does not resolve (DNS)'
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    return `its TLS certificate is not trusted here (${code}; a private CA: NODE_EXTRA_CA_CERTS=<ca.crt>)`
  if ((e as Error).name === 'TimeoutError') return 'no answer within 10 s'
  return cause?.message ?? (e as Error).message
}

const CHECK_PASSWORD = 'check REGISTRY_PASSWORD in your secrets provider (GHCR: a token with read:packages)'

/** A token from the challenge's realm for these credentials; throws, naming the realm, when it refuses them. */
async function bearer(challenge: string, basic: string | undefined, username: string): Promise<string> {
  const params = challengeParams(challenge)
  if (!params.realm)
    throw new OpsError(`the registry asked for a bearer token but named no token service (${challenge})`)
  const url = new URL(params.realm)
  // The credentials go where the challenge says: only over https, or plain http to this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.host)))
    throw new OpsError(
      `the registry asked for credentials at ${url.origin}, which is neither https nor this machine; ` +
        `they were not sent`,
    )
  if (params.service) url.searchParams.set('service', params.service)
  if (params.scope) url.searchParams.set('scope', params.scope)
  const service = `${url.origin}${url.pathname}`
  let r: Response
  try {
    r = await fetch(url, {
      headers: basic ? { authorization: `Basic ${basic}` } : {},
      signal: AbortSignal.timeout(10_000),
    })
  } catch (e) {
    throw new OpsError(`cannot reach the registry's token service ${service}: ${fetchFailure(e)}`)
  }
  if (r.status === 401 || r.status === 403)
    throw new OpsError(`the registry's token service ${service} refused ${username}'s credentials (HTTP ${r.status})`, {
      hint: CHECK_PASSWORD,
    })
  if (!r.ok) throw new OpsError(`the registry's token service ${service} answered HTTP ${r.status}`)
  const body = (await r.json().catch(() => ({}))) as { token?: string; access_token?: string }
  const token = body.token ?? body.access_token
  if (!token) throw new OpsError(`the registry's token service ${service} answered without a token`)
  return token
}

/** Why the registry refused a bearer token it sent us to get, from its challenge's `error`. */
function tokenRefused(registry: string, repo: string, challenge: string): OpsError {
  const { error = '', realm = 'its token service' } = challengeParams(challenge)
  if (error === 'insufficient_scope')
    return new OpsError(`the token from ${realm} does not grant pull on ${repo} (${registry}: insufficient_scope)`, {
      hint: `the registry account needs read access to ${repo} (GHCR: read:packages, and the package shared with it)`,
    })
  return new OpsError(`the registry ${registry} refused the token from ${realm} (${error || 'HTTP 401'})`, {
    hint:
      error === 'invalid_token'
        ? 'an expired or untrusted token: check the clock of this machine and of the registry (tokens last minutes)'
        : CHECK_PASSWORD,
  })
}

/**
 * The manifest digest the tag points at now (`sha256:…`, from Docker-Content-Digest), undefined when the
 * registry says the tag does not exist; throws when it cannot tell. A host whose local image carries this
 * digest among its RepoDigests already has exactly what a pull would fetch.
 */
export async function tagDigest(ref: string, username = 'anonymous', password?: Secret): Promise<string | undefined> {
  const { registry, repo, tag } = splitImage(ref)
  const url = `${baseUrl(registry)}/v2/${repo}/manifests/${tag}`
  // No password: anonymous (a public image on another registry: Docker Hub gives pull tokens to anyone).
  const basic = password ? Buffer.from(`${username}:${password.reveal()}`).toString('base64') : undefined
  const head = async (auth: string | undefined) => {
    try {
      return await fetch(url, {
        method: 'HEAD',
        headers: auth ? { accept: ACCEPT, authorization: auth } : { accept: ACCEPT },
        signal: AbortSignal.timeout(10_000),
      })
    } catch (e) {
      throw new OpsError(`cannot reach the registry ${registry}: ${fetchFailure(e)}`, {
        hint: 'check registry.url in stack-config.yml, the network and name resolution',
      })
    }
  }
  let r = await head(basic && `Basic ${basic}`)
  const challenge = r.headers.get('www-authenticate') ?? ''
  if (r.status === 401 && /^bearer/i.test(challenge)) {
    r = await head(`Bearer ${await bearer(challenge, basic, username)}`)
    if (r.status === 401) throw tokenRefused(registry, repo, r.headers.get('www-authenticate') ?? '')
  }
  if (r.ok) return r.headers.get('docker-content-digest') ?? '' // exists; digest not told: never counted as current
  if (r.status === 404) return undefined
  if (r.status === 401 || r.status === 403)
    throw new OpsError(`the registry ${registry} refused ${username}'s credentials (HTTP ${r.status})`, {
      hint: CHECK_PASSWORD,
    })
  throw new OpsError(`the registry ${registry} answered HTTP ${r.status} for ${repo}:${tag}`)
}
