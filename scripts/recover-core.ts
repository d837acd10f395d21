// recover-core — §8.4 scenario B, after the core LXC has been restored or recreated and the shared
// storage mounted: check the mount and the backups, start the db alone, restore the newest verified
// backup into it, deploy every core service, and report. Over SSH to the core host (stack-config.yml).
import { main } from '../lib/cli/main.ts'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { formatComparison } from '../lib/backup/manifest.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { checkTag } from '../lib/deploy/plan.ts'
import { type RecoverCoreCtx, recoverCoreTasks } from '../lib/recover/core.ts'
import { RECOVER_FLAGS } from '../lib/recover/flags.ts'
import { dropScratch } from '../lib/restore/run.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'

await main(
  {
    name: 'recover-core',
    summary:
      'scenario B (docs/runbook.md): shared mount, db alone, restore the newest verified backup ' +
      '(or FILE=), deploy core',
    flags: {
      ...RECOVER_FLAGS,
      file: {
        type: 'string',
        description:
          'backup to restore instead of the newest verified one (file or base name), e.g. when that one is damaged',
      },
      yes: { type: 'boolean', description: 'answer the confirmation (required without a terminal)' },
    },
    notes: [
      'make recover-core TAG=sha-… YES=1 — ' +
        'after restoring/recreating the core LXC and mounting the shared storage.',
    ],
  },
  async (flags) => {
    const tag = checkTag(flags.tag as string | undefined)
    const cfg = loadConfig(flags.config as string | undefined)
    const provider = chooseProvider(cfg, flags['secrets-provider'] as string | undefined)
    const live = cfg.stack.database.name
    const host = cfg.stack.core.host
    const file = flags.file as string | undefined
    if (
      !(await confirmOrFlag(
        `Recover the core on ${host}: start the db, ` +
          `replace database "${live}" with ${file ?? 'the newest verified backup'}, ` +
          `deploy every service at ${tag}?`,
        { yes: Boolean(flags.yes) },
      ))
    )
      return 1
    const t = coreTarget(cfg, false)
    const ctx: RecoverCoreCtx = {}
    try {
      try {
        await runTree<RecoverCoreCtx>(
          recoverCoreTasks(
            cfg,
            t,
            { tag, forceUnlock: Boolean(flags['force-unlock']), healthTimeoutS: Number(flags['health-timeout']) },
            provider,
            file,
          ),
          ctx,
        )
      } finally {
        if (ctx.comparison) for (const l of formatComparison(ctx.comparison)) say(`  ${l}`)
        for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
        const note = await dropScratch(cfg, t, ctx).catch((e) => say(`warning: ${(e as Error).message}`))
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
    if (ctx.safety) say(`  safety    what the fresh database held is in ${ctx.safety}.dump`)
    for (const d of ctx.deployed ?? []) say(`  deployed  ${d}`)
    say('next: make backup-verify, make backup-status, make status NODE=core')
  },
)
