// What to build for each image kind, from the config and the facts about the checkout. Pure: no I/O.
import { join } from 'node:path'
import { type Config, imageRef } from '../config/model.ts'
import type { BuildSpec, ImageKind } from './commands.ts'
import { OpsError } from '../errors.ts'
import { tagOf } from '../compose/pgbackrest.ts'

/** The db image's default tag: the pin's own (ktrdr-db:2.19.3-pg17 for timescale/timescaledb:2.19.3-pg17). */
export function defaultDbTag(cfg: Config): string | undefined {
  const pin = cfg.stack.core.services.db?.image
  return pin ? tagOf(pin) : undefined
}

/** design §4.1: ktrdr-base:py3.13-v1. Bumped by hand when OS/Python/toolchain change. */
export const DEFAULT_BASE_TAG = 'py3.13-v1'
/**
 * sha256 of templates/Dockerfile.base as DEFAULT_BASE_TAG was published: CI publishes a tag once
 * (IF_ABSENT=1), so a changed Dockerfile needs the next tag. tests/build/workflow.test.ts holds them together.
 */
export const BASE_DOCKERFILE_SHA256 = 'bf312834e62b2573cd1ae69cbfc344bce2e0cf7aaa66193b1f2ed6c9b38afab2'

export interface PlanInput {
  kind: ImageKind
  tag: string
  /** Directory holding Dockerfile.base|backend|worker (ktrdr-ops templates/). */
  templates: string
  /** The KTRDR checkout: the build context of backend and worker. */
  app: string
  /** Services: the base tag they are built FROM. */
  baseTag: string
  /** Base: the upstream OS+Python image (lab: ktrdr-lab/python:3.13); unset = the Dockerfile's default. */
  baseImage?: string
  /** Base: '0' builds without uv (the lab has no package index). Unset = the Dockerfile's default (1). */
  installUv?: string
  /** Services: full HEAD sha and repository URL for the OCI labels. */
  revision?: string
  source?: string
  /** A tag of the same image to reuse layers from (CI: the previous commit's sha-<short>). */
  cacheFrom?: string
}

export function buildSpec(cfg: Config, p: PlanInput): BuildSpec {
  const dockerfile = join(p.templates, `Dockerfile.${p.kind}`)
  const ref = imageRef(cfg, p.kind, p.tag)
  if (p.kind === 'db') {
    // The db pin with pgBackRest (point-in-time recovery); templates/ is its context (nothing is copied).
    const pin = cfg.stack.core.services.db?.image
    if (!pin) throw new OpsError(`${cfg.files.stack}: core.services.db has no image to build the db image FROM`)
    return { dockerfile, ref, buildArgs: { DB_IMAGE: pin }, context: p.templates, ...cache(cfg, p) }
  }
  if (p.kind === 'base') {
    const buildArgs: Record<string, string> = {}
    if (p.baseImage) buildArgs.BASE_IMAGE = p.baseImage
    if (p.installUv !== undefined) buildArgs.INSTALL_UV = p.installUv
    // Dockerfile.base copies nothing: the small templates directory is context enough.
    return { dockerfile, ref, buildArgs, context: p.templates, ...cache(cfg, p) }
  }
  const buildArgs = {
    BASE: imageRef(cfg, 'base', p.baseTag),
    REVISION: p.revision ?? 'unknown',
    SOURCE: p.source ?? 'unknown',
  }
  return { dockerfile, ref, buildArgs, context: p.app, ...cache(cfg, p) }
}

const cache = (cfg: Config, p: PlanInput) => (p.cacheFrom ? { cacheFrom: imageRef(cfg, p.kind, p.cacheFrom) } : {})
