// One timer's install on the core host as a task (make install-*-timer), and the check recover-core ends
// with: every timer the core had, left alone when it is installed as rendered and enabled, installed when it
// is not, and reported in words when it cannot be (never failing the recovery it follows).
import type { ListrTask } from 'listr2'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import { installTimerLines, renderTimerUnits, TEMPLATES_DIR, TIMER_LIB, type TimerSpec, timersOf } from './timer.ts'

export interface TimerResult {
  spec: TimerSpec
  /** installed | unchanged | failed */
  state: 'installed' | 'unchanged' | 'failed'
  /** `event detail` lines the install reported (verified, installed, enabled, next). */
  lines: string[]
  /** Why it could not be installed (state failed). */
  problem?: string
}

async function installOne(
  cfg: Config,
  t: JobHost,
  spec: TimerSpec,
  o: { root: string; opsDir: string; ensure: boolean },
): Promise<TimerResult> {
  const units = renderTimerUnits(cfg, TEMPLATES_DIR, o.opsDir, spec)
  const out = await t.runOrThrow(
    { lib: TIMER_LIB, body: installTimerLines(units, o.root, o.ensure) },
    { label: `install-${spec.name}-timer` },
  )
  const ev = events(out.stdout)
  return {
    spec,
    state: ev.some((e) => e.event === 'unchanged') ? 'unchanged' : 'installed',
    lines: ev
      .filter((e) => ['verified', 'installed', 'enabled', 'next', 'unchanged'].includes(e.event))
      .map((e) => `${e.event.padEnd(9)} ${e.detail}`),
  }
}

/** make install-<name>-timer: one task that installs (or fails with the host's reason). */
export function installTimerTask(
  cfg: Config,
  t: JobHost,
  spec: TimerSpec,
  o: { root: string; opsDir: string },
  results: TimerResult[],
): ListrTask {
  return {
    title:
      `Verify and install ${spec.unit}.service + ${spec.unit}.timer under ${o.root} on ${t.name}, ` +
      'enable the timer',
    task: async (_c, task) => {
      results.push(await installOne(cfg, t, spec, { ...o, ensure: false }))
      task.title =
        `Installed ${spec.unit}.timer on ${t.name} ` +
        `(${o.root === '/' ? 'enabled and started' : `under ${o.root}, enabled offline`})`
    },
  }
}

/** recover-core's last step: every timer of this config on the core host, ensured; failures are reported. */
export function ensureTimersTask<C extends { timers?: TimerResult[] }>(
  cfg: Config,
  t: JobHost,
  opsDir: string,
): ListrTask<C> {
  const specs = timersOf(cfg)
  return {
    title:
      `Check the core's timers on ${t.name} ` +
      `(${specs.map((s) => `${s.unit}.timer`).join(', ')}), install what is missing`,
    task: async (c, task) => {
      const results: TimerResult[] = []
      c.timers = results
      for (const spec of specs) {
        try {
          results.push(await installOne(cfg, t, spec, { root: '/', opsDir, ensure: true }))
        } catch (e) {
          const problem = (e as Error).message.replace(/^install-\w+-timer: /, '')
          results.push({ spec, state: 'failed', lines: [], problem })
        }
      }
      task.title = `The core's timers on ${t.name}: ${results.map(timerWords).join('; ')}`
    },
  }
}

const WHAT: Record<TimerSpec['name'], string> = {
  backup: 'backs the database up',
  drill: 'drills the backups (backup-status turns red past monitoring.drill_max_age_days)',
  snapshot: 'snapshots the shared storage',
}

export function timerWords(r: TimerResult): string {
  if (r.state === 'failed') return `${r.spec.unit}.timer NOT installed`
  return `${r.spec.unit}.timer ${r.state === 'unchanged' ? 'installed and enabled (checked)' : 'installed now'}`
}

/** What the report says of a timer that could not be installed: why, and the command that does it. */
export function timerFix(cfg: Config, r: TimerResult): string {
  return (
    `${r.spec.unit}.timer is NOT installed on ${cfg.stack.core.host}: ${r.problem}; ` +
    `until it is, nothing ${WHAT[r.spec.name]}: ` +
    `make ${r.spec.target} (${r.spec.doc})`
  )
}

/** The handler of make install-<name>-timer (scripts/install-{backup,snapshot}-timer.ts): each timer in turn. */
export async function installTimerRun(
  cfg: Config,
  t: JobHost,
  specs: TimerSpec[],
  o: { root: string; opsDir: string },
  runTree: (tasks: ListrTask[]) => Promise<unknown>,
  say: (line: string) => void,
): Promise<void> {
  const results: TimerResult[] = []
  try {
    await runTree(specs.map((spec) => installTimerTask(cfg, t, spec, o, results)))
  } finally {
    await t.close()
  }
  for (const l of results.flatMap((r) => r.lines)) say(`  ${l}`)
  const units = specs.map((s) => s.unit)
  say(
    o.root === '/'
      ? `check: systemctl list-timers ${units.map((u) => `${u}.timer`).join(' ')}; ` +
          `a run now: systemctl start ${units[0]}.service`
      : `not started (--root ${o.root})`,
  )
}
