// Restore and restore drill, as listr2 tasks over one CoreTarget. Both restore into a scratch database
// and compare it with the manifest; restore then swaps it in, the drill drops it.
import type { ListrTask } from 'listr2'
import { backupDirs, baseName, scratchName } from '../backup/layout.ts'
import { dumpLines } from '../backup/dump.ts'
import { type BackupEntry, inventoryScript, parseInventory } from '../backup/inventory.ts'
import { type Comparison, compareWithManifest } from '../backup/manifest.ts'
import { containerLines, dirLines, lockLines } from '../backup/shell.ts'
import { parseStats } from '../backup/stats-sql.ts'
import { type CoreTarget, scriptFailure } from '../backup/target.ts'
import type { Config } from '../config/model.ts'
import { operator } from '../deploy/plan.ts'
import { events } from '../deploy/scripts.ts'
import { OpsError } from '../errors.ts'
import { checkVersions, type Probe } from './choose.ts'
import { checkDumpLines, dropScratchLines, probeLines, restoreIntoLines, stopBackendLines, swapLines } from './lines.ts'

export interface Survey {
  entries: BackupEntry[]
  probe: Probe
}

/** Read-only: what is in the backups directory, and what the server would restore into. */
export async function survey(cfg: Config, t: CoreTarget, live: string): Promise<Survey> {
  // Both only read: run them at once.
  const [inv, pr] = await Promise.all([
    t.run(inventoryScript(cfg)),
    t.run({ body: [...dirLines(backupDirs(cfg)), ...containerLines(cfg), ...probeLines(cfg, live)] }),
  ])
  const e1 = scriptFailure('list backups', t, inv)
  if (e1) throw e1
  const e2 = scriptFailure('inspect the db server', t, pr)
  if (e2) throw e2
  const line = events(pr.stdout).find((e) => e.event === 'probe')
  return { entries: parseInventory(inv.stdout), probe: JSON.parse(line!.detail) as Probe }
}

export interface RestoreCtx {
  scratch?: string
  scratchExists?: boolean
  safety?: string
  comparison?: Comparison
  swapped?: boolean
  /** Set when the swap was sent: if the run stops then, whether it committed is found out afterwards. */
  swapping?: { live: string }
  /** `::ktrdr warn` lines of the scripts (e.g. the backend did not start again): print them after the tree. */
  warnings?: string[]
}

export interface RestorePlan {
  entry: BackupEntry
  live: string
  mode: 'restore' | 'drill'
  safetyDump: boolean
  probe: Probe
  /** Compare checksums too, not only row and chunk counts (the drill always does). */
  checksums: boolean
}

const owner = (what: string) => `${operator()} pid ${process.pid} since ${new Date().toISOString()} (${what})`

export function restoreTasks<C extends RestoreCtx>(cfg: Config, t: CoreTarget, p: RestorePlan): ListrTask<C>[] {
  const at = new Date()
  const scratch = scratchName(p.live, p.mode, at)
  const safety = p.safetyDump && p.probe.live_exists
  return [
    {
      title: `Check ${p.entry.file}, restore it into the scratch database ${scratch}`,
      task: async (c, task) => {
        checkVersions(p.entry, p.probe)
        const body = [
          ...dirLines(backupDirs(cfg)),
          ...lockLines(owner(p.mode)),
          ...containerLines(cfg),
          ...checkDumpLines(p.entry),
          ...restoreIntoLines(cfg, p.entry, scratch, p.mode === 'drill' || p.checksums, p.mode === 'drill'),
        ]
        c.scratch = scratch // from here on, the scratch database may exist: dropped after the tree if not swapped in
        const out = await t.run({ body }, (step) => (task.output = step))
        const err = scriptFailure(p.mode, t, out)
        if (err) throw err
        c.scratchExists = true
        const stats = parseStats(out.stdout.slice(out.stdout.indexOf('::ktrdr stats-begin')).split('\n').slice(1))
        if (p.entry.manifest) {
          c.comparison = compareWithManifest(p.entry.manifest, stats)
          task.title = `Restored ${p.entry.file} into ${scratch}: ${stats.tables.length} tables, ${stats.hypertables.length} hypertables`
          if (c.comparison.mismatches)
            throw new OpsError(
              `${p.mode}: the restored copy differs from the manifest in ${c.comparison.mismatches} place(s); the live database ${p.live} is unchanged`,
            )
        } else
          task.title = `Restored ${p.entry.file} (plain SQL, no manifest: ${stats.tables.length} tables, counts not comparable)`
      },
    },
    ...(p.mode === 'restore'
      ? [
          {
            title: `Swap ${scratch} in as ${p.live} (backend stopped${safety ? `, a safety dump of ${p.live} taken` : ''}, connections to ${p.live} ended, renamed in one transaction)`,
            task: async (c: C, task) => {
              const old = `${p.live}_old_${scratch.split('_').pop()}`
              c.swapping = { live: p.live }
              const body = [
                ...dirLines(backupDirs(cfg)),
                ...lockLines(owner('swap')),
                ...containerLines(cfg),
                ...stopBackendLines(cfg),
                ...(safety
                  ? dumpLines(cfg, {
                      base: baseName(p.live, 'pre-restore', at),
                      kind: 'pre-restore',
                      database: p.live,
                      host: cfg.stack.core.host,
                    })
                  : []),
                ...swapLines(cfg, scratch, p.live, old),
              ]
              const out = await t.run({ body }, (step) => (task.output = step))
              c.warnings = [
                ...(c.warnings ?? []),
                ...events(out.stdout)
                  .filter((e) => e.event === 'warn')
                  .map((e) => e.detail),
              ]
              c.safety = events(out.stdout)
                .find((e) => e.event === 'backup')
                ?.detail.split(' ')[0]
              const err = scriptFailure('restore (swap)', t, out)
              if (err) throw err
              c.swapped = true
              c.scratchExists = false
            },
          } satisfies ListrTask<C>,
        ]
      : []),
  ]
}

/**
 * After the tree: drop the scratch database when it is still there (drill, mismatch, interrupted). Returns
 * a note when the run stopped during the swap and the scratch database is gone: the swap had committed.
 */
export async function dropScratch(cfg: Config, t: CoreTarget, c: RestoreCtx): Promise<string | undefined> {
  if (!c.scratch || c.swapped) return undefined
  const out = await t.cleanup({
    body: [...dirLines(backupDirs(cfg)), ...containerLines(cfg), ...dropScratchLines(cfg, c.scratch)],
  })
  if (out.exitCode !== 0)
    throw new OpsError(
      `could not drop the scratch database ${c.scratch}: drop it by hand (DROP DATABASE "${c.scratch}")`,
    )
  const present = events(out.stdout).find((e) => e.event === 'scratch-present')?.detail
  if (c.swapping && present === '0')
    return `the swap had committed before the run stopped: ${c.swapping.live} is the restored copy`
  return undefined
}
