// The checks of checks.ts in three forms: lines for the operator, JSON for monitoring (make backup-status JSON=1,
// the schema in docs/backup.md), and the Prometheus textfile (exposition format 0.0.4) that every backup and
// snapshot job writes on the core host for node_exporter's textfile collector.
import type { Config } from '../config/model.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { CHECK_LABEL, type Check, type Figures, checks, iso, WATCH_LIB, watchScript, parseFigures } from './checks.ts'

export const JSON_SCHEMA = 'ktrdr.backup-status/1'

const red = (cs: Check[]) => cs.filter((c) => c.state === 'red')

/** The table of checks, then the verdict: every red one named with its reason. */
export function checkLines(cs: Check[]): string[] {
  const w = Math.max(...cs.map((c) => CHECK_LABEL[c.name].length))
  const word = { ok: 'OK', red: 'RED', off: 'off', unknown: '?' } as const
  const rows = cs.map((c) => `  ${CHECK_LABEL[c.name].padEnd(w)}  ${word[c.state].padEnd(3)}  ${c.summary}`)
  const bad = red(cs)
  return [
    'checks (thresholds: monitoring: and backups.status_max_age_hours in stack-config.yml):',
    ...rows,
    bad.length
      ? `RED: ${bad.map((c) => `${CHECK_LABEL[c.name]}: ${c.why}`).join('; ')}`
      : `GREEN: ${cs.filter((c) => c.state === 'ok').length} checks within their thresholds`,
  ]
}

export interface StatusJson {
  schema: typeof JSON_SCHEMA
  time: string
  host: string
  ok: boolean
  red: string[]
  checks: Record<
    string,
    {
      state: Check['state']
      summary: string
      why: string | null
      at: string | null
      age_seconds: number | null
      threshold_seconds: number | null
    } & Check['extra']
  >
}

export function statusJson(cs: Check[], now: Date, host: string): StatusJson {
  return {
    schema: JSON_SCHEMA,
    time: iso(now)!,
    host,
    ok: red(cs).length === 0,
    red: red(cs).map((c) => c.name),
    checks: Object.fromEntries(
      cs.map((c) => [
        c.name,
        {
          state: c.state,
          summary: c.summary,
          why: c.why ?? null,
          at: iso(c.at),
          age_seconds: c.ageSeconds ?? null,
          threshold_seconds: c.thresholdSeconds ?? null,
          ...c.extra,
        },
      ]),
    ),
  }
}

const metric = (name: string, help: string, samples: [labels: string, value: number][]): string[] =>
  samples.length
    ? [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${l} ${v}`)]
    : []
const check = (c: Check) => `{check="${c.name}"}`
const on = (cs: Check[]) => cs.filter((c) => c.state === 'ok' || c.state === 'red')

/**
 * The textfile: per check (configured ones only) whether it was green, when its figure last happened and its
 * threshold, so an alert can be `time() - ktrdr_backup_last_timestamp_seconds > ktrdr_backup_threshold_seconds`,
 * true between two jobs as well; the archive's lag and waiting segments; when the file was written.
 */
export function textfile(cs: Check[], now: Date): string {
  const live = on(cs)
  const archive = live.find((c) => c.name === 'archive')
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined)
  const lines = [
    ...metric(
      'ktrdr_backup_check_ok',
      'Whether the figure was within its threshold when this file was written (make backup-status).',
      live.map((c) => [check(c), c.state === 'ok' ? 1 : 0]),
    ),
    ...metric(
      'ktrdr_backup_last_timestamp_seconds',
      'When the figure last happened (newest dump, base backup, archived WAL, passed drill, snapshot, copy).',
      live.filter((c) => c.at).map((c) => [check(c), Math.floor(c.at!.getTime() / 1000)]),
    ),
    ...metric(
      'ktrdr_backup_threshold_seconds',
      'The most that age may be before make backup-status is red (stack-config.yml).',
      live.filter((c) => c.thresholdSeconds).map((c) => [check(c), c.thresholdSeconds!]),
    ),
    ...metric(
      'ktrdr_backup_archive_lag_seconds',
      'How long finished WAL segments have waited for the archiver (0 when none waits).',
      archive && num(archive.extra.lag_seconds) !== undefined ? [['', num(archive.extra.lag_seconds)!]] : [],
    ),
    ...metric(
      'ktrdr_backup_archive_last_archived_timestamp_seconds',
      'When the archiver last pushed a WAL segment (an idle server pushes none: not an alert by itself).',
      archive && typeof archive.extra.last_archived_at === 'string'
        ? [['', Math.floor(Date.parse(archive.extra.last_archived_at) / 1000)]]
        : [],
    ),
    ...metric(
      'ktrdr_backup_archive_waiting_segments',
      'Finished WAL segments the archiver has not pushed yet.',
      archive && num(archive.extra.waiting_segments) !== undefined ? [['', num(archive.extra.waiting_segments)!]] : [],
    ),
    ...metric('ktrdr_backup_status_ok', 'Whether every check was green when this file was written.', [
      ['', red(cs).length ? 0 : 1],
    ]),
    ...metric('ktrdr_backup_textfile_timestamp_seconds', 'When a ktrdr job last wrote this file.', [
      ['', Math.floor(now.getTime() / 1000)],
    ]),
  ]
  return `${lines.join('\n')}\n`
}

/** The textfile's write on the core host (watch.sh: write_textfile). */
export function textfileScript(cfg: Config, text: string): ScriptParts {
  return {
    lib: WATCH_LIB,
    body: [...bind({ textfile: cfg.stack.monitoring.textfile, textfile_text: text }), 'write_textfile'],
  }
}

type Run = (parts: ScriptParts) => Promise<{ stdout: string }>

/** Every figure read on the core host and checked at `now` (the dumps' sha256 as recorded: no full read). */
export async function readChecks(cfg: Config, run: Run): Promise<{ figures: Figures; checks: Check[]; now: Date }> {
  const figures = parseFigures(cfg, (await run(watchScript(cfg))).stdout)
  const now = figures.hostNow ?? new Date()
  return { figures, checks: checks(cfg, figures, now), now }
}

/**
 * What every backup and snapshot job does last: the figures read again and the textfile written. Never fails
 * the job it follows: a problem comes back as a warning to print.
 */
export async function refreshTextfile(cfg: Config, run: Run): Promise<string | undefined> {
  try {
    const { checks: cs, now } = await readChecks(cfg, run)
    await run(textfileScript(cfg, textfile(cs, now)))
    return undefined
  } catch (e) {
    return `the Prometheus textfile ${cfg.stack.monitoring.textfile} was not written: ${(e as Error).message}`
  }
}
