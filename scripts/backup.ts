// backup — dump the database inside the db container into the shared backups directory (§8.2): atomic,
// fully verified, checksummed, manifest last. On the core host over SSH, or --local on the host itself.
import { main } from '../lib/cli/main.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { backupTask, type BackupCtx } from '../lib/backup/backup.ts'
import { pruneTask, type PruneCtx } from '../lib/backup/prune.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { injectedNow } from '../lib/snapshot/clock.ts'
import { replacedPruneTask } from '../lib/restore/cleanup.ts'
import { keptClustersPruneTask } from '../lib/pitr/side.ts'
import { type BaseBackupCtx, baseBackupTask } from '../lib/pitr/base-backup.ts'
import { refreshTextfile } from '../lib/watch/report.ts'
import { say } from '../lib/cli/output.ts'

void main(
  {
    name: 'backup',
    summary: 'pg_dump -Fc (zstd) inside the db container into <shared>/db-backups, verified, with a manifest',
    flags: {
      local: {
        type: 'boolean',
        description: 'run on this machine (the core host itself, e.g. from the systemd timer) instead of over SSH',
      },
      prune: {
        type: 'boolean',
        description:
          'after a successful backup, apply the retention policy (see backup-prune) and drop the replaced ' +
          'copies restores kept past backups.replaced_keep_days',
      },
      'dump-only': {
        type: 'boolean',
        description: 'the logical dump alone: no base backup into the pgBackRest repository (with pitr: configured)',
      },
      now: {
        type: 'string',
        description: 'the time to act as of, ISO 8601 with a zone (rehearsing retention; also KTRDR_NOW)',
      },
    },
    notes: [
      `Runs: ${[
        'lock',
        'snapshot',
        'pg_dump',
        'row counts/checksums',
        'full read',
        'sha256',
        'fsync',
        'rename',
        'manifest',
      ].join(' → ')}.`,
    ],
  },
  async (flags) => {
    // One clock for the backup's name, its manifest and the prune after it; a bad --now fails first.
    const now = injectedNow(flags.now) ?? new Date()
    const cfg = loadConfig(flags.config as string | undefined)
    const t = coreTarget(cfg, Boolean(flags.local))
    try {
      const pitr = flags['dump-only'] ? undefined : cfg.stack.pitr
      await runTree<BackupCtx & PruneCtx & BaseBackupCtx>(
        [
          backupTask(cfg, t, now),
          ...(pitr ? [baseBackupTask<BackupCtx & PruneCtx & BaseBackupCtx>(cfg, pitr, t, now)] : []),
          ...(flags.prune
            ? [
                pruneTask<BackupCtx & PruneCtx & BaseBackupCtx>(cfg, t, { dryRun: false, now }),
                replacedPruneTask<BackupCtx & PruneCtx & BaseBackupCtx>(cfg, t, { dryRun: false, now }),
                ...(cfg.stack.pitr
                  ? [
                      keptClustersPruneTask<BackupCtx & PruneCtx & BaseBackupCtx>(cfg, cfg.stack.pitr, t, {
                        dryRun: false,
                        now,
                      }),
                    ]
                  : []),
              ]
            : []),
        ],
        {},
      )
    } finally {
      // The textfile after every run, failed or not (its figures are the newest good ones either way).
      if (!t.signal.aborted) {
        const w = await refreshTextfile(cfg, (p) => t.runOrThrow(p, { label: 'backup' }))
        if (w) say(`warning: ${w}`)
      }
      await t.close()
    }
  },
)
