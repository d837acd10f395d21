// The deploy tree shared by deploy-core and deploy-workers: validate → one secrets read → preflight every
// host in parallel → deploy every host concurrently (one failing host never stops the others) → summary.
import type { ListrDefaultRenderer, ListrSimpleRenderer, ListrTask, ListrTaskWrapper } from 'listr2'
import type { Config } from '../config/model.ts'
import { runTree } from '../cli/tree.ts'
import { say, warn } from '../cli/output.ts'
import type { Executor } from '../job/executor.ts'
import { renderFirstPart, renderScript } from '../job/render.ts'
import { sshExecutor, sshTarget, type SshTarget } from '../job/ssh.ts'
import { splitImage, tagDigest } from '../registry/manifest.ts'
import { recordPlan } from './host-record.ts'
import { heldImages, holds, isDigestRef, pinDeploy, pinsCurrent, recordedPins, resolvePins, unpinned } from './pin.ts'
import type { SecretProvider } from '../secrets/provider.ts'
import { readSecrets, requestsFor } from '../contract/read.ts'
import type { SecretValues } from '../secrets/secret.ts'
import { OpsError } from '../errors.ts'
import { keepRecords } from './records.ts'
import { deployOutcome, interruptedOutcome, preflightFailure } from './outcome.ts'
import { type HostDeploy, registryHost } from './plan.ts'
import { events, onStepLine } from '../job/protocol.ts'
import { mark } from '../cli/timeline.ts'
import { type DeployOptions, deployScript, preflightScript } from './scripts.ts'

const PREFLIGHT = 'Preflight (SSH, docker, compose v2, shared mount, image tag in the registry)'

/**
 * A group of per-host tasks that all run (one failing host never stops the others), after which the group
 * itself fails — ✖, naming the hosts — when any of them did: never a ✔ right after a ✖.
 */
async function groupOf(
  parent: ListrTaskWrapper<Ctx, ListrDefaultRenderer, ListrSimpleRenderer>,
  c: Ctx,
  deploys: HostDeploy[],
  what: string,
  tasks: ListrTask<Ctx>[],
): Promise<void> {
  await parent.newListr(tasks, { concurrent: true, exitOnError: false }).run(c)
  const failed = deploys.filter((d) => c.failed.has(d.label)).map((d) => d.label)
  if (failed.length) throw new OpsError(`${what} ${failed.join(', ')}`)
}

interface Ctx {
  secrets: SecretValues
  failed: Map<string, string>
  done: Map<string, string>
  /** hosts (by label) that already hold every image at the registry's digest: no login, no pull */
  current: Set<string>
  /** `warn` events of the hosts' runs (a lock that was forced, …): printed before the summary. */
  warnings: string[]
  /** The registry's digest of each of a host's images, asked at preflight (for the deploy record). */
  digests: Map<string, Map<string, string>>
  /** How each host's deploy ended, once its deploy script was sent (ok, rolled-back, failed, interrupted). */
  results: Map<string, string>
  /** Each host's deploy with every image pinned to its digest (pin.ts), once its preflight passed. */
  pinned: Map<string, { deploy: HostDeploy; pins: Map<string, string> }>
}

/**
 * Third-party images no record or host pinned yet (a first deploy): their registries' digests for the tags —
 * ours with the deploy's credentials, any other anonymously. One that cannot be asked stays by tag.
 */
async function lookUp(refs: string[], cfg: Config, secrets: SecretValues): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  await Promise.all(
    refs.map(async (ref) => {
      try {
        const { registry } = splitImage(ref)
        const own = registry === registryHost(cfg)
        const digest = own
          ? await tagDigest(ref, cfg.stack.registry.username, secrets.get('REGISTRY_PASSWORD'))
          : await tagDigest(ref)
        if (digest) found.set(ref, digest)
      } catch {
        /* not an image a registry can be asked for (no registry in its name), or it did not answer */
      }
    }),
  )
  return found
}

export async function runDeploy(
  cfg: Config,
  deploys: HostDeploy[],
  opts: DeployOptions,
  provider: SecretProvider,
): Promise<number> {
  const targets = new Map<string, SshTarget>(
    deploys.map((d) => [d.label, sshTarget(cfg, d.host, { multiplex: false })]),
  )
  const exec = new Map<string, Executor>(deploys.map((d) => [d.label, sshExecutor(targets.get(d.label)!)]))
  // One controller per host (a shared one collects a listener per session: Node warns past 10 hosts).
  const aborts = new Map(deploys.map((d) => [d.label, new AbortController()]))
  // Ctrl-C (or TERM) once: every host's shell is told to stop (its stdin closes, so its watcher TERMs the job),
  // and a host that had shipped puts its previous release back and says so; this run waits for that. Twice:
  // the sessions are cut; the hosts still put their releases back, unseen.
  let interrupted = false
  let cut = false
  const onSignal = () => {
    if (!interrupted) {
      interrupted = true
      warn(
        '\ninterrupted: each host puts its previous release back and reports; Ctrl-C again stops waiting ' +
          '(the hosts still finish on their own)',
      )
      for (const s of sessions.values()) s.end()
      return
    }
    cut = true
    for (const a of aborts.values()) a.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const ctx: Ctx = {
    secrets: new Map(),
    failed: new Map(),
    done: new Map(),
    current: new Set(),
    warnings: [],
    digests: new Map(),
    results: new Map(),
    pinned: new Map(),
  }
  const fail = (d: HostDeploy, e: unknown) =>
    ctx.failed.set(
      d.label,
      e instanceof OpsError && e.hint ? `${e.message} (${e.hint})` : e instanceof Error ? e.message : String(e),
    )
  // One `bash -s` session per host for the whole run — its only ssh connection — started now, while the
  // secrets are read: its first part is the read-only preflight; the deploy is sent to the same shell only
  // once every check passed.
  const steps = new Map<string, (step: string) => void>()
  mark('config loaded and every host planned')
  const sessions = new Map(
    deploys.map((d) => {
      const s = exec.get(d.label)!.session({
        signal: aborts.get(d.label)!.signal,
        // A rolling deploy's replica phases (draining, job and since; replaced; registered) show as the task's
        // output, like its steps.
        onLine: onStepLine(
          (step, event) => {
            if (event === 'step') mark(`${d.label}: step ${step}`)
            steps.get(d.label)?.(event === 'step' ? step : step.trim())
          },
          ['replica'],
        ),
      })
      s.send(renderFirstPart(preflightScript(cfg, d)))
      mark(`${d.label}: ssh session spawned, preflight sent`)
      return [d.label, s] as const
    }),
  )
  const preflights = new Map(
    deploys.map((d) => [d.label, sessions.get(d.label)!.until((l) => l === '::ktrdr preflight ok')]),
  )
  const tasks: ListrTask<Ctx>[] = [
    {
      title: `Read ${requestsFor(deploys.flatMap((d) => d.planned)).length} secrets with ${provider.name}`,
      task: async (c) => {
        c.secrets = await readSecrets(
          provider,
          deploys.flatMap((d) => d.planned),
        )
        mark('secrets read')
      },
    },
    {
      title: PREFLIGHT,
      task: (c, parent) =>
        groupOf(
          parent,
          c,
          deploys,
          'preflight failed on',

          deploys.map((d) => ({
            title: `${d.label} on ${d.host.name}`,
            task: async (c: Ctx) => {
              try {
                // The registry is asked while the host's checks finish: both only read. A reference by digest
                // (a rollback's) is asked only when the host does not hold it.
                const digests = new Map<string, string>()
                c.digests.set(d.label, digests)
                const password = c.secrets.get('REGISTRY_PASSWORD')!
                const user = cfg.stack.registry.username
                const registry = Promise.all(
                  d.images
                    .filter((image) => !isDigestRef(image))
                    .map(async (image) => {
                      const digest = await tagDigest(image, user, password)
                      if (digest === undefined)
                        throw new OpsError(`${d.label}: image ${image} is not in the registry`, {
                          hint: 'build and push it first (CI does on merge to main), or pick an existing TAG',
                        })
                      digests.set(image, digest)
                    }),
                )
                registry.catch(() => {}) // awaited below; an SSH failure is reported first
                const first = await preflights.get(d.label)!
                mark(`${d.label}: preflight answered`)
                if (first.ended) {
                  const out = await sessions.get(d.label)!.done
                  throw (
                    preflightFailure(d, out) ??
                    new OpsError(`${d.label}: the preflight on ${d.host.name} ended early (exit ${out.exitCode})`)
                  )
                }
                await registry
                mark(`${d.label}: registry answered`)
                const held = heldImages(first.stdout)
                for (const image of d.images.filter((i) => isDigestRef(i) && !holds(held, i)))
                  if ((await tagDigest(image, user, password)) === undefined)
                    throw new OpsError(`${d.label}: image ${image} is neither on ${d.host.name} nor in the registry`)
                let pins = resolvePins(d, held, digests, recordedPins(first.stdout))
                const ask = unpinned(d, pins)
                if (ask.length)
                  pins = resolvePins(d, held, digests, recordedPins(first.stdout), await lookUp(ask, cfg, c.secrets))
                for (const ref of unpinned(d, pins))
                  c.warnings.push(`${d.label}: ${ref} is deployed by its tag: its registry gave no digest`)
                c.pinned.set(d.label, { deploy: pinDeploy(d, pins), pins })
                if (pinsCurrent(d, held, pins)) c.current.add(d.label)
              } catch (e) {
                sessions.get(d.label)!.end() // nothing more for that shell: it exits
                fail(d, e)
                throw e
              }
            },
          })),
        ),
    },
  ]
  const deployTasks: ListrTask<Ctx>[] = [
    {
      title: opts.action === 'rollback' ? `Roll back to tag ${opts.tag}` : `Deploy tag ${opts.tag}`,
      task: (c, parent) =>
        groupOf(
          parent,
          c,
          deploys,
          'failed on',

          deploys.map((d) => ({
            title: `${d.label}: ${d.services.join(', ')}`,
            skip: (c: Ctx) => (c.failed.has(d.label) ? 'preflight failed' : false),
            task: async (c: Ctx, t) => {
              try {
                if (interrupted)
                  throw new OpsError(`${d.label}: interrupted before its deploy started: nothing changed`)
                steps.set(d.label, (step) => (t.output = step))
                const session = sessions.get(d.label)!
                // stdin stays open: see renderScript's watcher
                const { deploy, pins } = c.pinned.get(d.label)!
                const record = recordPlan(deploy, opts.tag, pins, opts.action, deploy.rollbackTo)
                session.send(renderScript(deployScript(cfg, deploy, opts, c.secrets, c.current.has(d.label), record)))
                mark(`${d.label}: deploy part sent`)
                c.results.set(d.label, 'failed')
                const out = await session.done
                mark(`${d.label}: session ended`)
                for (const e of events(out.stdout))
                  if (e.event === 'warn' || e.event === 'rotated') c.warnings.push(`${d.label}: ${e.detail}`)
                if (interrupted) {
                  c.results.set(d.label, 'interrupted')
                  throw interruptedOutcome(d, out, repairCommand(d, opts))
                }
                const outcome = deployOutcome(d, out)
                if (outcome.status === 'rolled-back') {
                  c.results.set(d.label, 'rolled-back')
                  throw outcome.error
                }
                if (outcome.status === 'partial') {
                  c.results.set(d.label, 'partial')
                  throw outcome.error
                }
                for (const job of outcome.forced)
                  c.warnings.push(
                    `${d.label}: ${job} was still running at the drain deadline and was interrupted (FORCE=1): ` +
                      'the backend re-queues it',
                  )
                c.results.set(d.label, 'ok')
                const back = d.rollbackTo === undefined ? '' : `back to record #${d.rollbackTo}; `
                const how = events(out.stdout).some((e) => e.event === 'unchanged')
                  ? 'already running exactly this: nothing shipped, pulled or recreated'
                  : c.current.has(d.label)
                    ? 'images were current: no login, no pull'
                    : 'logged in and pulled'
                const forced = outcome.forced.length ? `; interrupted ${outcome.forced.join(', ')} (re-queued)` : ''
                c.done.set(d.label, `ok (${back}tag ${opts.tag}; ${d.services.join(', ')}; ${how}${forced})`)
              } catch (e) {
                fail(d, e)
                throw e
              }
            },
          })),
        ),
    },
  ]
  try {
    // Two trees: a failure before any host ran (reading secrets) stops the run with nothing touched; a host
    // that fails its preflight marks that group ✖ and the others still deploy.
    const tolerant = (e: unknown) => {
      if (!ctx.failed.size) throw e
    }
    await runTree(tasks, ctx, { exitOnError: true }).catch(tolerant)
    if (deploys.some((d) => !ctx.failed.has(d.label)) && !interrupted)
      await runTree(deployTasks, ctx, { exitOnError: true }).catch(tolerant)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    // A shell never sent its deploy (its host failed a check, or the run stopped before): end it, and wait
    // for every session. Each host had exactly one ssh (no master connection), so that is all there is to close.
    for (const d of deploys) if (ctx.failed.has(d.label) || !ctx.done.has(d.label)) sessions.get(d.label)!.end()
    await Promise.all([...sessions.values()].map((s) => s.done))
  }
  const kept = keepRecords(cfg, deploys, opts.tag, ctx.results, ctx.digests)
  if (kept) ctx.warnings.push(kept)
  say('')
  for (const w of ctx.warnings) warn(w)
  say('summary:')
  for (const d of deploys)
    say(
      `  ${d.label.padEnd(8)} ` +
        `${ctx.failed.has(d.label) ? `FAILED — ${ctx.failed.get(d.label)}` : (ctx.done.get(d.label) ?? 'not run')}`,
    )
  if (interrupted || cut) return 130
  return ctx.failed.size ? 1 : 0
}

/** The one command that puts a host right after an interrupted deploy: the same deploy, run again. */
function repairCommand(d: HostDeploy, o: DeployOptions): string {
  return d.job === 'deploy-core'
    ? `make deploy-core SERVICE=all TAG=${o.tag}`
    : `make deploy-workers NODE=${d.label.replace(/^node /, '')} TAG=${o.tag}`
}
