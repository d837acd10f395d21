// make restore TIME=…: the range checked, the plan said, the operator asked, then the tree (lib/pitr/run.ts).
import type { Config } from '../config/model.ts'
import { confirmOrFlag } from '../cli/confirm.ts'
import { say } from '../cli/output.ts'
import { runTree } from '../cli/tree.ts'
import { OpsError } from '../errors.ts'
import type { JobHost } from '../job/host.ts'
import { repoDirs, SIDE_DIR } from '../compose/pgbackrest.ts'
import { checkTarget, restorableRange } from './info.ts'
import { type PitrCtx, pitrInfo, pitrRestoreTasks, restoreStamp } from './run.ts'

const fmt = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

export async function restorePitr(cfg: Config, t: JobHost, time: string, yes: boolean): Promise<number> {
  const p = cfg.stack.pitr
  if (!p)
    throw new OpsError(`TIME= needs point-in-time recovery, and ${cfg.files.stack} has no pitr: section`, {
      hint: 'without it, FILE= restores a logical dump (make restore LIST=1 lists them)',
      exitCode: 2,
    })
  const now = new Date()
  const info = await pitrInfo(cfg, p, t)
  const { target, at } = checkTarget(time, info, now)
  const range = restorableRange(info)!
  say(`pgBackRest repository ${repoDirs(cfg, p).host} on ${t.name}:`)
  for (const b of info.backups) say(`  ${b.type.padEnd(4)} base backup ${b.label}, consistent at ${fmt(b.stop)}`)
  say(`  newest archived WAL: ${info.walNewestFile ?? 'none'}${info.walNewest ? ` (${fmt(info.walNewest)})` : ''}`)
  say(`  restorable: ${fmt(range.from)} … ${fmt(range.to)}`)
  const label = at ? `${target} (${fmt(at)})` : 'the end of the archive (TIME=latest)'
  say('')
  say(
    `restore the whole cluster on ${t.name} to ${label}: every database as it was then. The live cluster is ` +
      `moved aside, kept in the db volume (${SIDE_DIR}/replaced-…) until make restore-cleanup.`,
  )
  if (!(await confirmOrFlag(`Replace the database cluster on ${t.name} with its state at ${label}?`, { yes }))) return 1
  const ctx: PitrCtx = {}
  try {
    await runTree<PitrCtx>(pitrRestoreTasks(cfg, p, t, { target, label, rstamp: restoreStamp(now) }), ctx)
  } finally {
    for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
  }
  const kept = ctx.kept ? `; the replaced cluster is kept as ${ctx.kept} in the db volume` : ''
  say(`restored the cluster to ${label}${kept}`)
  say('take a base backup of the restored cluster soon: make backup')
  return 0
}
