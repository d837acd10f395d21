// install-backup-timer — install templates/systemd/ktrdr-backup.{service,timer} (daily backup + retention)
// on the core host over SSH, or on this machine with --local; --root <dir> installs into a tree instead of /
// (tests, images). The units are checked with systemd-analyze verify before anything is installed.
import { join } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { jobFailure } from '../lib/job/failure.ts'
import { CRON_LINE, installTimerLines, OPS_DIR, renderTimerUnits, TIMER_LIB, UNIT } from '../lib/backup/timer.ts'
import { events } from '../lib/job/protocol.ts'
import { UsageError } from '../lib/errors.ts'

await main(
  {
    name: 'install-backup-timer',
    summary: 'install and enable the daily backup timer (systemd) on the core host',
    flags: {
      local: { type: 'boolean', description: 'install on this machine (the core host itself) instead of over SSH' },
      root: {
        type: 'string',
        description: 'install under this directory instead of / (enables offline, starts nothing)',
        default: '/',
      },
      'ops-dir': {
        type: 'string',
        description: 'where ktrdr-ops is checked out and built on the core host (the units run from there)',
        default: OPS_DIR,
      },
    },
    notes: [`Without systemd, the equivalent cron line (/etc/cron.d/${UNIT}):`, `  ${CRON_LINE}`],
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const root = (flags.root as string | undefined) ?? '/'
    if (!root.startsWith('/')) throw new UsageError(`--root must be an absolute path: ${root}`)
    const opsDir = flags['ops-dir'] as string
    if (!opsDir.startsWith('/')) throw new UsageError(`--ops-dir must be an absolute path: ${opsDir}`)
    const units = renderTimerUnits(cfg, join(import.meta.dirname, '..', 'templates', 'systemd'), opsDir)
    const t = coreTarget(cfg, Boolean(flags.local))
    const seen: string[] = []
    try {
      await runTree(
        [
          {
            title: `Verify and install ${UNIT}.service + ${UNIT}.timer under ${root} on ${t.name}, enable the timer`,
            task: async (_c, task) => {
              const out = await t.run({ lib: TIMER_LIB, body: installTimerLines(units, root) })
              const err = jobFailure(t.place('install-backup-timer'), out)
              if (err) throw err
              for (const e of events(out.stdout))
                if (['verified', 'installed', 'enabled', 'next'].includes(e.event))
                  seen.push(`${e.event.padEnd(9)} ${e.detail}`)
              task.title =
                `Installed ${UNIT}.timer on ${t.name} ` +
                `(${root === '/' ? 'enabled and started' : `under ${root}, enabled offline`})`
            },
          },
        ],
        {},
      )
    } finally {
      await t.close()
    }
    for (const l of seen) say(`  ${l}`)
    say(
      root === '/'
        ? `check: systemctl list-timers ${UNIT}.timer; a run now: systemctl start ${UNIT}.service`
        : `not started (--root ${root})`,
    )
  },
)
