// Tag policy (design §4.2, §4.4): sha-<short> is CI's tag for a clean commit; local builds use another tag.
// Pure: the facts (CI or not, dirty paths, HEAD) are gathered by git.ts and passed in.
import { OpsError, UsageError } from '../errors.ts'
import type { ImageKind } from './commands.ts'

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

export interface TagFacts {
  kind: ImageKind
  tag: string
  /** The make target that builds this image, for messages: build-backend. */
  target: string
  ci: boolean
  /** Full HEAD sha of the checkout (services only). */
  head?: string
  /** `git status --porcelain` lines of the checkout (services only). */
  dirty?: string[]
  app?: string
}

/** GitHub, GitLab and most CIs set CI=true; CI=0/false/empty count as "not CI". */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase()
  return v !== '' && v !== '0' && v !== 'false' && v !== 'no'
}

export function defaultTag(short: string): string {
  return `sha-${short}`
}

/** Throws the refusal that applies, or returns when the tag may be built. */
export function checkTag(f: TagFacts): void {
  if (!TAG_RE.test(f.tag))
    throw new UsageError(
      `TAG=${f.tag} is not a valid image tag (letters, digits, _ . -; at most 128; not starting with . or -)`,
      `e.g. make ${f.target} TAG=local`,
    )
  if (!f.tag.startsWith('sha-')) return
  if (f.kind === 'base')
    throw new UsageError(
      `TAG=${f.tag}: the base image is versioned by toolchain (py3.13-v1), never by commit`,
      `leave TAG unset or use e.g. TAG=py3.13-v2`,
    )
  if (f.kind === 'db')
    throw new UsageError(
      `TAG=${f.tag}: the db image is versioned by its pin (core.services.db.image), never by commit`,
      "leave TAG unset: the pin's tag (e.g. 2.19.3-pg17)",
    )
  if (!f.ci)
    throw new OpsError(
      `refusing to build ${f.tag} outside CI: ` +
        `sha- tags are published by CI, and local builds must not overwrite them (design §4.4)`,
      {
        hint: `build a local tag instead: make ${f.target} TAG=local (or any tag not starting with sha-)`,
        exitCode: 3,
      },
    )
  if (f.dirty?.length) {
    const shown =
      f.dirty
        .slice(0, 5)
        .map((l) => l.trim())
        .join(', ') + (f.dirty.length > 5 ? `, … (${f.dirty.length} in all)` : '')
    throw new OpsError(
      `refusing to tag ${f.tag}: the working tree of ${f.app} has uncommitted changes ` +
        `(${shown}); the image would not match the commit`,
      {
        hint: `commit or stash them (git -C ${f.app} status), or build TAG=local`,
        exitCode: 3,
      },
    )
  }
  const short = f.tag.slice(4)
  if (f.head && !(short.length >= 7 && f.head.startsWith(short.toLowerCase())))
    throw new OpsError(
      `TAG=${f.tag} does not name HEAD of ${f.app} (${f.head.slice(0, 7)}): ` +
        `a sha- tag is the commit the image is built from`,
      {
        hint: `leave TAG unset (default sha-${f.head.slice(0, 7)}), or use a tag not starting with sha-`,
        exitCode: 3,
      },
    )
}

/** A git remote as an https URL for org.opencontainers.image.source; undefined for local paths. Credentials dropped. */
export function sourceUrl(remote: string | undefined): string | undefined {
  const r = remote?.trim()
  if (!r) return undefined
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+?)(\.git)?\/?$/.exec(r)
  if (scp) return `https://${scp[1]}/${scp[2]}`
  try {
    const u = new URL(r)
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(u.protocol)) return undefined
    const path = u.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '')
    return `https://${u.hostname}${path}`
  } catch {
    return undefined
  }
}
