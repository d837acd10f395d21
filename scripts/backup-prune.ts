// backup-prune — apply the retention policy (backups: in stack-config.yml); --dry-run shows the plan only.
import { main } from '../lib/cli/main.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { pruneTask, type PruneCtx } from '../lib/backup/prune.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { injectedNow } from '../lib/snapshot/clock.ts'
import { replacedPruneTask } from '../lib/restore/cleanup.ts'
import { keptClustersPruneTask } from '../lib/pitr/side.ts'

void main(
  {
    name: 'backup-prune',
    summary:
      'delete verified backups older than keep_days (never the newest; nothing when backups have stopped), and ' +
      "the restores' replaced copies past replaced_keep_days",
    flags: {
      'dry-run': {
        type: 'boolean',
        description: 'print what would be deleted and why each kept backup is kept; delete nothing',
      },
      local: { type: 'boolean', description: 'run on this machine instead of over SSH' },
      now: {
        type: 'string',
        description: 'the time to act as of, ISO 8601 with a zone (rehearsing retention; also KTRDR_NOW)',
      },
    },
  },
  async (flags) => {
    const now = injectedNow(flags.now) ?? new Date() // a bad --now fails before anything is read
    const cfg = loadConfig(flags.config as string | undefined)
    const t = coreTarget(cfg, Boolean(flags.local))
    try {
      // The plan is the task's persistent output: printed once, under its title.
      const dryRun = Boolean(flags['dry-run'])
      const pitr = cfg.stack.pitr
      await runTree<PruneCtx>(
        [
          pruneTask(cfg, t, { dryRun, now }),
          replacedPruneTask(cfg, t, { dryRun, now }),
          ...(pitr ? [keptClustersPruneTask<PruneCtx>(cfg, pitr, t, { dryRun, now })] : []),
        ],
        {},
      )
    } finally {
      await t.close()
    }
  },
)
