// install-snapshot-timer — install templates/systemd/ktrdr-snapshot.{service,timer} (hourly snapshot + prune of
// the shared storage) on the core host over SSH, or on this machine with --local; --root <dir> installs into a
// tree instead of / (tests, images). What the service runs is checked on the host, and the units with
// systemd-analyze verify, before anything is installed. Needs the config's snapshots: section.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { installTimerRun } from '../lib/backup/install-timer.ts'
import { TIMER_FLAGS, TIMERS, timerFlags } from '../lib/backup/timer.ts'
import { snapshotSettings } from '../lib/snapshot/config.ts'

const spec = TIMERS.snapshot

void main(
  {
    name: spec.target,
    summary: 'install and enable the hourly snapshot timer (systemd) on the core host',
    flags: TIMER_FLAGS,
    notes: ['Without systemd, the equivalent cron line is in docs/snapshots.md ("Every hour").'],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    snapshotSettings(cfg)
    const o = timerFlags(flags)
    await installTimerRun(cfg, coreTarget(cfg, Boolean(flags.local)), [spec], o, (tasks) => runTree(tasks, {}), say)
  },
)
