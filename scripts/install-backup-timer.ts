// install-backup-timer — install templates/systemd/ktrdr-backup.{service,timer} (daily backup + retention) and
// ktrdr-drill.{service,timer} (the weekly restore drill, whose result backup-status reads) on the core host over
// SSH, or on this machine with --local; --root <dir> installs into a tree instead of / (tests, images). What
// the services run is checked on the host, and the units with systemd-analyze verify, before anything is
// installed.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { installTimerRun } from '../lib/backup/install-timer.ts'
import { BACKUP_TIMERS, CRON_LINE, TIMER_FLAGS, TIMERS, timerFlags } from '../lib/backup/timer.ts'

const spec = TIMERS.backup

void main(
  {
    name: spec.target,
    summary: 'install and enable the daily backup timer and the weekly restore drill timer (systemd) on the core host',
    flags: TIMER_FLAGS,
    notes: [`Without systemd, the equivalent cron line (/etc/cron.d/${spec.unit}):`, `  ${CRON_LINE}`],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const o = timerFlags(flags)
    await installTimerRun(
      cfg,
      coreTarget(cfg, Boolean(flags.local)),
      BACKUP_TIMERS,
      o,
      (tasks) => runTree(tasks, {}),
      say,
    )
  },
)
