// build — build (and optionally push) ktrdr-base, ktrdr-backend or ktrdr-worker from templates/Dockerfile.*
// (design §4).
import { SECRET_PROVIDERS } from '../lib/config/schema.ts'
import { join } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say, warn } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { cacheSummary } from '../lib/build/cache.ts'
import {
  dockerBuildArgs,
  dockerPushArgs,
  type ImageKind,
  registryHost,
  render,
  revisionLabelArgs,
} from '../lib/build/commands.ts'
import { docker } from '../lib/build/docker.ts'
import { checkoutFacts, type CheckoutFacts } from '../lib/build/git.ts'
import { openSession, tmpfsRoot } from '../lib/build/login.ts'
import { buildSpec, DEFAULT_BASE_TAG, defaultDbTag } from '../lib/build/plan.ts'
import { checkTag, defaultTag, isCI, sourceUrl } from '../lib/build/tags.ts'
import { OpsError, UsageError } from '../lib/errors.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'
import type { Secret } from '../lib/secrets/secret.ts'
import { tagDigest } from '../lib/registry/manifest.ts'

const TEMPLATES = join(import.meta.dirname, '..', 'templates')

interface BuildCtx {
  password?: Secret
  session?: Awaited<ReturnType<typeof openSession>>
  summary: string
  id: string
  present: boolean
}

/** --cache-from takes a tag CI publishes (sha-<short>) or the base's own (py3.13-v1): never a whole reference. */
function cacheTag(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
    throw new UsageError(`--cache-from takes a tag of the same image, e.g. sha-a1b2c3d: ${JSON.stringify(tag)}`)
  return tag
}

void main(
  {
    name: 'build',
    summary: 'build an image from templates/Dockerfile.<image> (context: the app checkout), optionally push it',
    flags: {
      image: {
        type: 'string',
        description: 'which image',
        choices: ['base', 'backend', 'worker', 'db'],
        make: 'the target: make build-base, build-backend, build-worker, build-db',
      },
      app: {
        type: 'string',
        description: 'path to the KTRDR checkout (build context, tag and labels)',
        default: '../ktrdr',
      },
      tag: {
        type: 'string',
        description:
          `image tag (default: sha-<short HEAD> for services, ${DEFAULT_BASE_TAG} for base, ` + "the pin's for db)",
      },
      push: {
        type: 'boolean',
        description: 'push to the configured registry (docker login with the password on stdin)',
      },
      'base-tag': {
        type: 'string',
        description: 'services: tag of the base image to build FROM',
        default: DEFAULT_BASE_TAG,
      },
      'base-image': { type: 'string', description: 'base: upstream OS+Python image (lab: ktrdr-lab/python:3.13)' },
      'install-uv': {
        type: 'string',
        description: 'base: 0 builds without uv (no package index reachable)',
        choices: ['0', '1'],
      },
      source: { type: 'string', description: 'OCI source label (default: git remote origin as https, else "unknown")' },
      'registry-user': {
        type: 'string',
        description: 'registry user (default: registry.username in stack-config.yml)',
      },
      'secrets-provider': {
        type: 'string',
        description: 'where REGISTRY_PASSWORD comes from (default: provider: in secrets.yml)',
        choices: [...SECRET_PROVIDERS],
      },
      'cache-from': {
        type: 'string',
        description: 'reuse the layers of this tag of the same image (CI: the previous commit, sha-<short>)',
      },
      'if-absent': {
        type: 'boolean',
        description: 'build and push only when the tag is not in the registry yet (CI: the base image)',
      },
      'dry-run': { type: 'boolean', description: 'print the docker commands instead of running them' },
    },
    notes: [
      'Tags: sha-<short> only in CI (CI=true) and only from a clean tree whose HEAD it names; locally use TAG=local.',
      'e.g. make build-backend TAG=local · CI: make build-backend PUSH=1 SECRETS_PROVIDER=env',
    ],
  },
  async (flags) => {
    const kind = flags.image as ImageKind | undefined
    if (!kind)
      throw new UsageError('build: --image is required', 'use make build-base, make build-backend or make build-worker')
    const target = `build-${kind}`
    const cfg = loadConfig(flags.config as string | undefined)
    const app = flags.app as string
    const verbose = Boolean(flags.verbose)
    const dryRun = Boolean(flags['dry-run'])
    let facts: CheckoutFacts | undefined
    if (kind === 'backend' || kind === 'worker') facts = await checkoutFacts(app)
    const tag =
      (flags.tag as string | undefined) ??
      (facts ? defaultTag(facts.short) : kind === 'db' ? defaultDbTag(cfg) : DEFAULT_BASE_TAG)
    if (!tag)
      throw new UsageError(
        `build-db: core.services.db.image in ${cfg.files.stack} has no tag to name the db image by`,
        'pin the db image by tag (e.g. timescale/timescaledb:2.19.3-pg17), or pass TAG=',
      )
    checkTag({ kind, tag, target, ci: isCI(), head: facts?.head, dirty: facts?.dirty, app })
    const source = (flags.source as string | undefined) ?? sourceUrl(facts?.origin)
    if (facts && !source)
      warn(`note: ${app} has no usable remote "origin": the source label will be "unknown" (pass SOURCE=<repo URL>)`)
    const spec = buildSpec(cfg, {
      kind,
      tag,
      templates: TEMPLATES,
      app,
      baseTag: flags['base-tag'] as string,
      baseImage: flags['base-image'] as string | undefined,
      installUv: flags['install-uv'] as string | undefined,
      revision: facts?.head,
      source,
      cacheFrom: cacheTag(flags['cache-from'] as string | undefined),
    })
    const host = registryHost(cfg.stack.registry.url)
    const user = (flags['registry-user'] as string | undefined) ?? cfg.stack.registry.username
    const ref = cfg.secrets.secrets.REGISTRY_PASSWORD
    if (flags.push && !ref && !dryRun)
      throw new OpsError(
        `${cfg.files.secrets}: secrets.REGISTRY_PASSWORD is not set, so there is no password to push with`,
        { hint: 'add REGISTRY_PASSWORD: <reference> under secrets:', exitCode: 2 },
      )
    const provider = chooseProvider(cfg, flags['secrets-provider'] as string | undefined)
    const wouldRun = (argv: string[]) => (dryRun ? `[dry run] would run: ${render(argv)}` : false)
    const ifAbsent = Boolean(flags['if-absent'])
    if (ifAbsent && !flags.push)
      throw new UsageError('--if-absent asks the registry before a push: pass --push too (make: IF_ABSENT=1 PUSH=1)')
    const ctx: BuildCtx = { summary: '', id: '', present: false }
    const built = () => (ctx.present ? `${spec.ref} is in the registry already: not built again` : false)
    try {
      await runTree(
        [
          {
            title: `Read REGISTRY_PASSWORD with ${provider.name}`,
            enabled: () => Boolean(flags.push),
            skip: () => (dryRun ? `[dry run] would read ${ref ?? '(no reference)'}` : false),
            task: async (c) => {
              c.password = (await provider.resolve([{ name: 'REGISTRY_PASSWORD', ref: ref! }])).get('REGISTRY_PASSWORD')
            },
          },
          {
            title: `Is ${spec.ref} in the registry?`,
            enabled: () => ifAbsent,
            skip: () => (dryRun ? `[dry run] would ask the registry for ${spec.ref}` : false),
            task: async (c, task) => {
              c.present = (await tagDigest(spec.ref, user, c.password!)) !== undefined
              task.title = c.present ? `${spec.ref} is in the registry` : `${spec.ref} is not in the registry yet`
            },
          },
          {
            // Before the build: a FROM on the registry's base and --cache-from pull with the same credentials.
            title:
              `Log in to ${host} as ${user} (password on stdin, kept by no file — a credential helper answers ` +
              `from the build's and push's environment; DOCKER_CONFIG in ${tmpfsRoot()}, removed after)`,
            enabled: () => Boolean(flags.push),
            skip: () => (dryRun ? '[dry run]' : built()),
            task: async (c) => {
              c.session = await openSession(cfg.stack.registry.url, user, c.password!)
            },
          },
          {
            title: `Build ${spec.ref}`,
            skip: () => wouldRun(dockerBuildArgs(spec)) || built(),
            task: async (c, task) => {
              const t0 = Date.now()
              const r = await docker(dockerBuildArgs(spec), {
                verbose,
                env: c.session?.env,
                what: `docker build of ${spec.ref}`,
              })
              c.summary = `${((Date.now() - t0) / 1000).toFixed(1)} s; ${cacheSummary(r.log)}`
              task.title = `Built ${spec.ref} (${c.summary})`
            },
          },
          {
            title: `Check the revision label of ${spec.ref}`,
            skip: () => (dryRun && '[dry run]') || built(),
            task: async (c) => {
              const [id = '', label = ''] = (
                await docker(revisionLabelArgs(spec.ref), { what: 'docker image inspect' })
              ).stdout
                .trim()
                .split(' ')
              c.id = id
              if (facts && label !== facts.head)
                throw new OpsError(
                  `${spec.ref} carries revision "${label}", expected ${facts.head}: ` +
                    `is ${spec.dockerfile} missing the LABEL?`,
                )
            },
          },
          {
            title: `Push ${spec.ref}`,
            enabled: () => Boolean(flags.push),
            skip: () => wouldRun(dockerPushArgs(spec.ref)) || built(),
            task: async (c) => {
              await docker(dockerPushArgs(spec.ref), {
                verbose,
                env: c.session!.env,
                what: `docker push of ${spec.ref}`,
              })
            },
          },
        ],
        ctx,
      )
    } finally {
      ctx.session?.close()
    }
    if (ctx.present) {
      say(`image: ${spec.ref} is in the registry already: not built (IF_ABSENT=1)`)
      return
    }
    if (dryRun) return
    say(`image: ${spec.ref}${ctx.id ? ` (${ctx.id.replace('sha256:', '').slice(0, 12)})` : ''}`)
    if (facts) say(`revision: ${facts.head}  source: ${spec.buildArgs.SOURCE}`)
    say(`build: ${ctx.summary}${flags.push ? `; pushed to ${host}` : ''}`)
  },
)
