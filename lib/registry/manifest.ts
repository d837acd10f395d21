// Does <registry>/<repo>:<tag> exist? Asked over the registry's HTTP API (Docker Registry v2 / OCI
// distribution) from this machine, with basic auth or the bearer-token dance GHCR uses. The password
// stays in memory: it goes in a request header, never in argv.
import { OpsError } from '../errors.ts'
import type { Secret } from '../secrets/secret.ts'

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export function splitImage(ref: string): { registry: string; repo: string; tag: string } {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(ref)
  if (!m) throw new OpsError(`not an image reference with a registry and a tag: ${ref}`)
  return { registry: m[1]!, repo: m[2]!, tag: m[3]! }
}

/** localhost, 127.x.y.z or [::1], with an optional port: the only hosts spoken to over plain http. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/

function baseUrl(registry: string): string {
  return LOOPBACK.test(registry) ? `http://${registry}` : `https://${registry}`
}

async function bearer(challenge: string, basic: string): Promise<string | undefined> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
  if (!params.realm) return undefined
  const url = new URL(params.realm)
  // The credentials go where the challenge says: only over https, or plain http to this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.host)))
    throw new OpsError(
      `the registry asked for credentials at ${url.origin}, which is neither https nor this machine; they were not sent`,
    )
  if (params.service) url.searchParams.set('service', params.service)
  if (params.scope) url.searchParams.set('scope', params.scope)
  const r = await fetch(url, { headers: { authorization: `Basic ${basic}` } })
  if (!r.ok) return undefined
  const body = (await r.json()) as { token?: string; access_token?: string }
  return body.token ?? body.access_token
}

/**
 * The manifest digest the tag points at now (`sha256:…`, from Docker-Content-Digest), undefined when the
 * registry says the tag does not exist; throws when it cannot tell. A host whose local image carries this
 * digest among its RepoDigests already has exactly what a pull would fetch.
 */
export async function tagDigest(ref: string, username: string, password: Secret): Promise<string | undefined> {
  const { registry, repo, tag } = splitImage(ref)
  const url = `${baseUrl(registry)}/v2/${repo}/manifests/${tag}`
  const basic = Buffer.from(`${username}:${password.reveal()}`).toString('base64')
  const head = (auth: string) =>
    fetch(url, {
      method: 'HEAD',
      headers: { accept: ACCEPT, authorization: auth },
      signal: AbortSignal.timeout(10_000),
    })
  let r: Response
  try {
    r = await head(`Basic ${basic}`)
    const challenge = r.headers.get('www-authenticate') ?? ''
    if (r.status === 401 && /^bearer/i.test(challenge)) {
      const token = await bearer(challenge, basic)
      if (token) r = await head(`Bearer ${token}`)
    }
  } catch (e) {
    throw new OpsError(`cannot reach the registry ${registry}: ${(e as Error).message}`, {
      hint: 'check registry.url in stack-config.yml and the network',
    })
  }
  if (r.ok) return r.headers.get('docker-content-digest') ?? '' // exists; digest not told: never counted as current
  if (r.status === 404) return undefined
  if (r.status === 401 || r.status === 403)
    throw new OpsError(`the registry ${registry} refused ${username}'s credentials (HTTP ${r.status})`, {
      hint: 'check REGISTRY_PASSWORD in your secrets provider (GHCR: a token with read:packages)',
    })
  throw new OpsError(`the registry ${registry} answered HTTP ${r.status} for ${repo}:${tag}`)
}
