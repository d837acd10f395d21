// recover-core — §8.4 scenario B, after the core LXC has been restored or recreated and the shared
// storage mounted: check the mount, choose the backup (the newest whose sha256 still matches its manifest,
// checked now, or FILE=), confirm, start the db alone, restore it, deploy every core service, check the
// core's timers, and report. Over SSH to the core host (stack-config.yml).
import { main } from '../lib/cli/main.ts'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { formatComparison } from '../lib/backup/manifest.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { OPS_DIR } from '../lib/backup/timer.ts'
import { timerFix, timerWords } from '../lib/backup/install-timer.ts'
import { checkTag } from '../lib/deploy/plan.ts'
import { OpsError, UsageError } from '../lib/errors.ts'
import { changedSoFar, type RecoverCoreCtx, recoverCheckTasks, recoverCoreTasks } from '../lib/recover/core.ts'
import { RECOVER_FLAGS } from '../lib/recover/flags.ts'
import { recoverTag } from '../lib/recover/tag.ts'
import { dropScratch } from '../lib/restore/run.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'
import { formatAge } from '../lib/snapshot/clock.ts'

void main(
  {
    name: 'recover-core',
    summary:
      'scenario B (docs/runbook.md): shared mount, the newest intact backup (sha256 checked now) or FILE=, ' +
      'db alone, restore, deploy core, timers',
    flags: {
      ...RECOVER_FLAGS,
      file: {
        type: 'string',
        description: 'backup to restore instead of the newest intact one (file or base name)',
      },
      'ops-dir': {
        type: 'string',
        description: 'where ktrdr-ops is checked out and built on the core host (the timers run from there)',
        default: OPS_DIR,
      },
      yes: { type: 'boolean', description: 'answer the confirmation (required without a terminal)' },
    },
    notes: [
      'make recover-core TAG=sha-… YES=1 — ' +
        'after restoring/recreating the core LXC and mounting the shared storage.',
    ],
  },
  async (flags) => {
    if (flags.tag !== undefined) checkTag(flags.tag as string)
    const cfg = loadConfig(flags.config as string | undefined)
    const { tag, from } = recoverTag(flags.tag as string | undefined, cfg, 'core', 'backend')
    if (from) say(from)
    const provider = chooseProvider(cfg, flags['secrets-provider'] as string | undefined)
    const opsDir = flags['ops-dir'] as string
    if (!opsDir.startsWith('/')) throw new UsageError(`--ops-dir must be an absolute path: ${opsDir}`)
    const live = cfg.stack.database.name
    const host = cfg.stack.core.host
    const file = flags.file as string | undefined
    const yes = Boolean(flags.yes)
    const question = (what: string) =>
      `Recover the core on ${host}: start the db, replace database "${live}" with ${what}, ` +
      `deploy every service at ${tag}?`
    // Without a terminal and without YES=1 nothing could answer: refuse before touching the host.
    if (!yes && !process.stdin.isTTY) await confirmOrFlag(question(file ?? 'the newest intact backup'), { yes })
    const t = coreTarget(cfg, false)
    const ctx: RecoverCoreCtx = {}
    const opts = { tag, forceUnlock: Boolean(flags['force-unlock']), healthTimeoutS: Number(flags['health-timeout']) }
    try {
      await runTree<RecoverCoreCtx>(recoverCheckTasks(cfg, t, opts, provider, file), ctx)
      const e = ctx.entry!
      const age = formatAge(Date.now() - e.time.getTime())
      const damaged = ctx.damaged ?? []
      for (const d of damaged)
        say(
          `warning: ${d.file} (taken ${d.time.toISOString()}) is DAMAGED: ` +
            'its sha256 differs from the manifest; skipped',
        )
      // Newer backups passed by for another reason (no manifest: an unfinished backup; a failed drill).
      const passed = (ctx.inventory ?? []).filter(
        (x) => x.kind === 'daily' && !x.verified && x.checkedNow === undefined && x.time > e.time,
      )
      for (const x of passed) say(`warning: ${x.file} (taken ${x.time.toISOString()}) skipped: ${x.problem}`)
      if (!file && (damaged.length || passed.length))
        say(
          `warning: restoring the older ${e.file} instead: ` +
            `writes since ${e.time.toISOString()} (${age} ago) are lost; ` +
            'FILE= picks another (make restore LIST=1)',
        )
      const newer =
        (damaged.length ? `; ${damaged.length} newer one(s) DAMAGED` : '') +
        (passed.length ? `; ${passed.length} newer one(s) not verified` : '')
      const what = `${e.file} (taken ${e.time.toISOString()}, ${age} ago${newer})`
      if (!(await confirmOrFlag(question(what), { yes }))) return 1
      try {
        await runTree<RecoverCoreCtx>(recoverCoreTasks(cfg, t, { ...opts, opsDir }, provider), ctx)
      } catch (err) {
        throw partWay(err, changedSoFar(cfg, ctx, tag), ctx, tag)
      } finally {
        if (ctx.comparison) for (const l of formatComparison(ctx.comparison)) say(`  ${l}`)
        for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
        const note = await dropScratch(cfg, t, ctx).catch((x) => say(`warning: ${(x as Error).message}`))
        if (note) say(`note: ${note}`)
      }
    } finally {
      await t.close()
    }
    say('')
    say(`core recovered on ${host}:`)
    say(
      `  database  "${live}" restored from ${ctx.entry!.file} (taken ${ctx.entry!.time.toISOString()}); ` +
        `writes since then are lost (RPO)`,
    )
    if (ctx.kept) say(`  replaced  the fresh database, kept as ${ctx.kept}: make restore-cleanup drops it`)
    for (const d of ctx.deployed ?? []) say(`  deployed  ${d}`)
    const missing = (ctx.timers ?? []).filter((r) => r.state === 'failed')
    for (const r of ctx.timers ?? []) say(`  timer     ${timerWords(r)}`)
    for (const r of missing) say(`warning: ${timerFix(cfg, r)}`)
    say('next: make backup-verify, make backup-status, make status NODE=core')
  },
)

/** A failure once the host was changed: the error says what was changed and how to finish by hand. */
function partWay(err: unknown, changed: string[], ctx: RecoverCoreCtx, tag: string): unknown {
  if (!(err instanceof OpsError) || !changed.length) return err
  const finish = [
    changed.length < 2 ? `make restore FILE=${ctx.entry!.file} YES=1` : undefined,
    `make deploy-core SERVICE=all TAG=${tag}`,
  ].filter(Boolean)
  return new OpsError(`${err.message.replace(/; nothing was changed$/, '')}`, {
    hint:
      `${err.hint ? `${err.hint}. ` : ''}Changed on the core so far: ${changed.join('; ')}. ` +
      `To finish by hand: ${finish.join(', then ')} (or run make recover-core again)`,
    exitCode: err.exitCode,
    cause: err,
  })
}
