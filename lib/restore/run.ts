// Restore and restore drill, as listr2 tasks over one JobHost (the core host). Both restore into a scratch database
// and compare it with the manifest; restore then swaps it in, the drill drops it.
import type { ListrTask } from 'listr2'
import { type BackupEntry, inventoryScript, parseInventory } from '../backup/inventory.ts'
import { scratchName } from '../backup/layout.ts'
import { type Comparison, compareWithManifest } from '../backup/manifest.ts'
import { parseStats } from '../backup/stats-sql.ts'
import type { Config } from '../config/model.ts'
import { OpsError } from '../errors.ts'
import type { JobHost } from '../job/host.ts'
import { jobFailure } from '../job/failure.ts'
import { EXIT, events } from '../job/protocol.ts'
import { checkVersions, type Probe } from './choose.ts'
import { dropScratchScript, probeScript, restoreIntoScript, swapScript } from './job.ts'

export interface Survey {
  entries: BackupEntry[]
  probe: Probe
}

/** Read-only: what is in the backups directory (no db server needed: LIST=1 works while it is down). */
export async function listBackups(cfg: Config, t: JobHost): Promise<BackupEntry[]> {
  return parseInventory((await t.runOrThrow(inventoryScript(cfg), { label: 'list backups' })).stdout)
}

/** Read-only: what is in the backups directory, and what the server would restore into. */
export async function survey(cfg: Config, t: JobHost, live: string): Promise<Survey> {
  // Both only read: run them at once.
  const [inv, pr] = await Promise.all([
    t.runOrThrow(inventoryScript(cfg), { label: 'list backups' }),
    t.runOrThrow(probeScript(cfg, live), { label: 'inspect the db server' }),
  ])
  const line = events(pr.stdout).find((e) => e.event === 'probe')
  return { entries: parseInventory(inv.stdout), probe: JSON.parse(line!.detail) as Probe }
}

export interface RestoreCtx {
  scratch?: string
  scratchExists?: boolean
  /** The replaced copy the swap kept (restore-cleanup drops it). */
  kept?: string
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
  probe: Probe
  /** Compare checksums too, not only row and chunk counts (the drill always does). */
  checksums: boolean
}

export function restoreTasks<C extends RestoreCtx>(cfg: Config, t: JobHost, p: RestorePlan): ListrTask<C>[] {
  const at = new Date()
  const scratch = scratchName(p.live, p.mode, at)
  const old = `${p.live}_old_${scratch.split('_').pop()}`
  return [
    {
      title: `Check ${p.entry.file}, restore it into the scratch database ${scratch}`,
      task: async (c, task) => {
        checkVersions(p.entry, p.probe)
        const script = restoreIntoScript(cfg, p.entry, { scratch, mode: p.mode, checksums: p.checksums })
        c.scratch = scratch // from here on, the scratch database may exist: dropped after the tree if not swapped in
        const out = await t.runOrThrow(script, { label: p.mode, onStep: (step) => (task.output = step) })
        c.scratchExists = true
        const stats = parseStats(out.stdout.slice(out.stdout.indexOf('::ktrdr stats-begin')).split('\n').slice(1))
        if (p.entry.manifest) {
          c.comparison = compareWithManifest(p.entry.manifest, stats)
          task.title =
            `Restored ${p.entry.file} into ${scratch}: ${stats.tables.length} tables, ` +
            `${stats.hypertables.length} hypertables`
          if (c.comparison.mismatches)
            throw new OpsError(
              `${p.mode}: the restored copy differs from the manifest in ${c.comparison.mismatches} place(s); ` +
                `the live database ${p.live} is unchanged`,
              { exitCode: EXIT.mismatch },
            )
        } else
          task.title =
            `Restored ${p.entry.file} (plain SQL, no manifest: ${stats.tables.length} tables, ` +
            `counts not comparable)`
      },
    },
    ...(p.mode === 'restore'
      ? [
          {
            title:
              `Swap ${scratch} in as ${p.live} (backend stopped, connections to ${p.live} ended, renamed in ` +
              `one transaction${p.probe.live_exists ? `; the replaced copy kept as ${old}` : ''})`,
            task: async (c: C, task) => {
              c.swapping = { live: p.live }
              const script = swapScript(cfg, { scratch, live: p.live, old })
              const out = await t.run(script, (step) => (task.output = step))
              c.warnings = [
                ...(c.warnings ?? []),
                ...events(out.stdout)
                  .filter((e) => e.event === 'warn')
                  .map((e) => e.detail),
              ]
              c.kept = events(out.stdout)
                .find((e) => e.event === 'kept')
                ?.detail.trim()
              const err = jobFailure(t.place('restore (swap)'), out)
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
export async function dropScratch(cfg: Config, t: JobHost, c: RestoreCtx): Promise<string | undefined> {
  if (!c.scratch || c.swapped) return undefined
  const out = await t.cleanup(dropScratchScript(cfg, c.scratch))
  if (out.exitCode !== 0)
    throw new OpsError(
      `could not drop the scratch database ${c.scratch}: drop it by hand (DROP DATABASE "${c.scratch}")`,
    )
  const present = events(out.stdout).find((e) => e.event === 'scratch-present')?.detail
  if (c.swapping && present === '0')
    return `the swap had committed before the run stopped: ${c.swapping.live} is the restored copy`
  return undefined
}
