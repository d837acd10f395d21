// Deploy by digest (design §4.2): every image a compose file names is rendered as <repo>@sha256:<digest>, so a
// tag pushed again changes nothing that runs until the next deploy. Ours: the digest the registry gives the
// tag at preflight. Pinned third-party images: the digest their host's last record kept for the same
// reference (until the pin in config changes), else what the host holds under it, else the registry's.
import { events } from '../job/protocol.ts'
import type { HostDeploy } from './plan.ts'

const DIGEST_REF = /@sha256:[0-9a-f]{64}$/

export const isDigestRef = (ref: string): boolean => DIGEST_REF.test(ref)

/** The repository of a reference: its tag or digest taken off. */
export const repoOf = (ref: string): string => ref.replace(DIGEST_REF, '').replace(/:[^:/]+$/, '')

/** One image the host holds, as preflight.sh's `image <tags> | <repo digests>` event tells it. */
export interface Held {
  tags: string[]
  digests: string[]
}

export function heldImages(preflightStdout: string): Held[] {
  return events(preflightStdout)
    .filter((e) => e.event === 'image')
    .map((e) => {
      const [tags = '', digests = ''] = e.detail.split('|')
      return { tags: tags.trim().split(/\s+/).filter(Boolean), digests: digests.trim().split(/\s+/).filter(Boolean) }
    })
}

/** The pins the host's last complete deploy kept (`pin <ref> <repo@digest>` events). */
export function recordedPins(preflightStdout: string): Map<string, string> {
  const pins = new Map<string, string>()
  for (const e of events(preflightStdout)) {
    if (e.event !== 'pin') continue
    const [ref, pinned] = e.detail.split(' ')
    if (ref && pinned && isDigestRef(pinned) && repoOf(pinned) === repoOf(ref)) pins.set(ref, pinned)
  }
  return pins
}

/** Does the host hold this reference (a tag it carries, or a digest among its repo digests)? */
export function holds(held: Held[], ref: string): boolean {
  return held.some((h) => (isDigestRef(ref) ? h.digests.includes(ref) : h.tags.includes(ref)))
}

const pinOf = (ref: string, digest: string | undefined) =>
  digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? `${repoOf(ref)}@${digest}` : undefined

/**
 * reference → the digest reference to render, for every image of the compose file that can be pinned. Ours
 * (d.images): the registry's digest for the tag. Third-party: the record's pin, else the host's own repo
 * digest for the tag, else the registry's (`lookedUp`). A reference already by digest stays itself.
 */
export function resolvePins(
  d: Pick<HostDeploy, 'images' | 'composeImages'>,
  held: Held[],
  registry: ReadonlyMap<string, string>,
  recorded: ReadonlyMap<string, string> = new Map(),
  lookedUp: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const pins = new Map<string, string>()
  for (const ref of d.composeImages) {
    if (isDigestRef(ref)) {
      pins.set(ref, ref)
      continue
    }
    if (d.images.includes(ref)) {
      const p = pinOf(ref, registry.get(ref))
      if (p) pins.set(ref, p)
      continue
    }
    const own = held.find((h) => h.tags.includes(ref))?.digests.find((x) => repoOf(x) === repoOf(ref))
    const p = recorded.get(ref) ?? own ?? pinOf(ref, lookedUp.get(ref))
    if (p) pins.set(ref, p)
  }
  return pins
}

/** Third-party references the record, the host and the tag itself leave unpinned: the registry is asked. */
export function unpinned(d: Pick<HostDeploy, 'composeImages'>, pins: ReadonlyMap<string, string>): string[] {
  return d.composeImages.filter((ref) => !pins.has(ref))
}

/** A pull would fetch nothing: every image pinned, and the host holds each at its pinned digest. */
export function pinsCurrent(d: Pick<HostDeploy, 'composeImages'>, held: Held[], pins: ReadonlyMap<string, string>) {
  return d.composeImages.every((ref) => {
    const p = pins.get(ref)
    return p ? holds(held, p) : false
  })
}

/** The compose file with each `image:` line pinned (the rendered text otherwise byte for byte). */
export function pinCompose(compose: string, pins: ReadonlyMap<string, string>): string {
  return compose.replace(/^(\s+image: )(\S+)$/gm, (line, key: string, ref: string) => {
    const p = pins.get(ref)
    return p ? `${key}${p}` : line
  })
}

/** The deploy with its compose file pinned; its images named by what it will run. */
export function pinDeploy(d: HostDeploy, pins: ReadonlyMap<string, string>): HostDeploy {
  const to = (ref: string) => pins.get(ref) ?? ref
  return {
    ...d,
    compose: pinCompose(d.compose, pins),
    images: d.images.map(to),
    composeImages: d.composeImages.map(to),
  }
}
