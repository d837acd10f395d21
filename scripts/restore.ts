// restore — §8.4 scenario C: put a backup back as the live database. Lists the backups, picks the newest
// verified one (or FILE=), asks (YES=1), restores into a fresh database, checks it against the manifest
// (row and chunk counts; CHECKSUMS=1 adds checksums), and only then stops the backend and swaps the fresh one
// in, keeping the replaced copy renamed (make restore-cleanup drops it). A failure at any step leaves the live
// database as it was. TIME=… (or TIME=latest) restores the whole cluster to a moment from pgBackRest's
// repository instead (point-in-time recovery, lib/pitr/): a scratch cluster beside the live one, recovered,
// checked, then swapped in by renames, the replaced cluster kept.
import { main } from '../lib/cli/main.ts'
import { OpsError } from '../lib/errors.ts'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { PG_IDENTIFIER } from '../lib/config/schema.ts'
import { backupDirs } from '../lib/backup/layout.ts'
import { formatComparison } from '../lib/backup/manifest.ts'
import { listLines } from '../lib/backup/status.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { runTree } from '../lib/cli/tree.ts'
import { chooseBackup } from '../lib/restore/choose.ts'
import { dropScratch, listBackups, type RestoreCtx, restoreTasks, survey } from '../lib/restore/run.ts'
import { restorePitr } from '../lib/pitr/restore.ts'

void main(
  {
    name: 'restore',
    summary: 'restore a backup over the live database: fresh database, check, swap (the replaced copy kept)',
    flags: {
      file: {
        type: 'string',
        description:
          'backup to restore (file or base name; default: the newest verified); ' +
          'a ktrdr-YYYYMMDD.sql.gz is accepted by name',
      },
      database: { type: 'string', description: 'database to replace (default: database.name in stack-config.yml)' },
      yes: { type: 'boolean', description: 'answer the confirmation (required without a terminal)' },
      list: { type: 'boolean', description: 'list the backups and stop' },
      'skip-safety-dump': {
        type: 'boolean',
        description: 'accepted as before: no dump is taken any more (the replaced database is kept, renamed)',
      },
      checksums: {
        type: 'boolean',
        description:
          "compare every table's checksum with the manifest too, not only row and chunk counts " +
          '(a full scan; make backup-verify always does)',
      },
      time: {
        type: 'string',
        description:
          'restore the whole cluster to this moment from the WAL archive (pitr: in stack-config.yml), ' +
          "e.g. '2026-12-01 10:42:00+00' (a zone is required), or latest (everything archived)",
      },
      local: { type: 'boolean', description: 'run on this machine (the core host) instead of over SSH' },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const live = (flags.database as string | undefined) ?? cfg.stack.database.name
    if (!PG_IDENTIFIER.test(live))
      throw new OpsError(
        `--database ${JSON.stringify(live)}: a restore replaces a database ` +
          `named by a plain lower-case identifier (letters, digits, _)`,
        { hint: 'pass the database name as PostgreSQL stores it, e.g. DATABASE=ktrdr', exitCode: 2 },
      )
    const t = coreTarget(cfg, Boolean(flags.local))
    if (flags.time !== undefined) {
      if (flags.file || flags.database || flags.checksums || flags.list)
        throw new OpsError(
          'TIME= restores the whole cluster from the WAL archive: FILE=, DATABASE=, CHECKSUMS= and ' +
            'LIST= belong to the logical restore',
          { exitCode: 2 },
        )
      try {
        return await restorePitr(cfg, t, String(flags.time), Boolean(flags.yes))
      } finally {
        await t.close()
      }
    }
    const ctx: RestoreCtx = {}
    try {
      const dir = backupDirs(cfg).host
      if (flags.list) {
        say(`backups in ${dir} on ${t.name}:`)
        for (const l of listLines(await listBackups(cfg, t), new Date())) say(l)
        return 0
      }
      const s = await survey(cfg, t, live)
      say(`backups in ${dir} on ${t.name}:`)
      for (const l of listLines(s.entries, new Date())) say(l)
      const entry = chooseBackup(s.entries, flags.file as string | undefined, dir)
      if (!flags.file)
        say(
          `\nnote: this restores the newest verified backup, taken ${entry.time.toISOString()}. If the damage ` +
            'is older than that (a bad migration before the backup), it is in this backup too: pick an older ' +
            'one with FILE=<name from the list>.',
        )
      say('')
      say(
        `restore ${entry.file} (${entry.time.toISOString()}) → database "${live}" on ${t.name}` +
          `${
            s.probe.live_exists
              ? ' (replaces it; the replaced copy is kept, renamed, until make restore-cleanup)'
              : ' (does not exist yet)'
          }`,
      )
      if (
        !(await confirmOrFlag(`Replace database "${live}" on ${t.name} with ${entry.file}?`, {
          yes: Boolean(flags.yes),
        }))
      )
        return 1
      try {
        await runTree<RestoreCtx>(
          restoreTasks(cfg, t, {
            entry,
            live,
            mode: 'restore',
            checksums: Boolean(flags.checksums),
            probe: s.probe,
          }),
          ctx,
        )
      } finally {
        if (ctx.comparison) for (const l of formatComparison(ctx.comparison)) say(`  ${l}`)
        for (const w of ctx.warnings ?? []) say(`warning: ${w}`)
        const note = await dropScratch(cfg, t, ctx).catch((e) => say(`warning: ${(e as Error).message}`))
        if (note) say(`note: ${note}`)
      }
      const kept = ctx.kept ? `; the previous contents are kept as the database ${ctx.kept}` : ''
      say(`restored ${entry.file} as ${live}${kept}${kept ? ' (make restore-cleanup drops it)' : ''}`)
      return 0
    } finally {
      await t.close()
    }
  },
)
