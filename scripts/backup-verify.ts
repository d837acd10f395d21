// backup-verify — the restore drill: restore the newest verified backup (or FILE=) into a scratch database,
// compare every table's row count and checksum and every hypertable's chunks with its manifest, drop it.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { backupDirs } from '../lib/backup/layout.ts'
import { formatComparison } from '../lib/backup/manifest.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { runTree } from '../lib/cli/tree.ts'
import { chooseBackup, VersionMismatchError } from '../lib/restore/choose.ts'
import { type DrillRecord, drillRecordScript } from '../lib/backup/drills.ts'
import { OpsError } from '../lib/errors.ts'
import { EXIT } from '../lib/job/protocol.ts'
import { dropScratch, type RestoreCtx, restoreTasks, survey } from '../lib/restore/run.ts'
import { refreshTextfile } from '../lib/watch/report.ts'

void main(
  {
    name: 'backup-verify',
    summary: 'restore drill: newest verified backup into a scratch database, compared with its manifest',
    flags: {
      file: { type: 'string', description: 'backup to drill (default: the newest verified)' },
      local: { type: 'boolean', description: 'run on this machine (the core host) instead of over SSH' },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const t = coreTarget(cfg, Boolean(flags.local))
    const ctx: RestoreCtx = {}
    try {
      const s = await survey(cfg, t, cfg.stack.database.name)
      const entry = chooseBackup(s.entries, flags.file as string | undefined, backupDirs(cfg).host, {
        redrill: true,
      })
      // The drill's result is kept beside the backups, pass or fail (backup-status reads it).
      const keep = async (result: DrillRecord['result'], detail: string) => {
        const out = await t.run(
          drillRecordScript(cfg, { time: new Date().toISOString(), file: entry.file, result, detail }),
        )
        if (out.exitCode !== 0)
          say(`warning: the drill's result was not recorded in ${backupDirs(cfg).host}/.drills.log`)
      }
      try {
        await runTree<RestoreCtx>(
          restoreTasks(cfg, t, {
            entry,
            live: cfg.stack.database.name,
            mode: 'drill',
            checksums: true,
            probe: s.probe,
          }),
          ctx,
        )
      } catch (e) {
        // The backup's fault (damaged, or restores to other data than its manifest's) or the drill's own (this
        // server's TimescaleDB is another one, a connection lost): only the first makes the backup unverified.
        const code = e instanceof OpsError ? e.exitCode : 1
        const fault = !(e instanceof VersionMismatchError) && (code === EXIT.corrupt || code === EXIT.mismatch)
        // A record that cannot be kept must not hide why the drill failed.
        // A drill that never started (another job holds the backups' lock: a long backup) is no drill: unrecorded,
        // so the last real one stays the heartbeat.
        const refused = code === EXIT.busy
        if (!t.signal.aborted && !refused)
          await keep(fault ? 'failed' : 'error', (e as Error).message).catch(() => undefined)
        throw e
      } finally {
        if (ctx.comparison) for (const l of formatComparison(ctx.comparison)) say(l)
        for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
        const note = await dropScratch(cfg, t, ctx).catch((e) => say(`warning: ${(e as Error).message}`))
        if (note) say(`note: ${note}`)
      }
      await keep('passed', 'rows, chunks and checksums equal the manifest')
      say(`drill passed: ${entry.file} restores to exactly what its manifest records`)
      return 0
    } finally {
      // The drill's heartbeat is in .drills.log; the textfile shows it (or the failure) from now on.
      if (!t.signal.aborted) {
        const w = await refreshTextfile(cfg, (p) => t.runOrThrow(p, { label: 'backup-verify' }))
        if (w) say(`warning: ${w}`)
      }
      await t.close()
    }
  },
)
