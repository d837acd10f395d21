// make backup-status's figures (docs/backup.md, "Watching the backups"): the newest dump, base backup, archived
// WAL, restore drill, snapshot and copy off node A, each with its age and threshold (monitoring: in
// stack-config.yml), read on the core host by one script (inventory, watch_pitr, the snapshot listings); then
// one check per figure, green or red with the reason named. The text, JSON and Prometheus forms are in
// report.ts.
import type { Config } from '../config/model.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { PITR_LIB, pitrVars } from '../pitr/job.ts'
import { type PitrInfo, parseInfo } from '../pitr/info.ts'
import { snapshotSettings } from '../snapshot/config.ts'
import { parseCopyTo } from '../snapshot/copy-plan.ts'
import { destListLines, destTarget } from '../snapshot/copy-script.ts'
import { parseListing } from '../snapshot/host.ts'
import type { SnapshotRef } from '../snapshot/retention.ts'
import { listLines, SNAPSHOT_LIB, targetVars } from '../snapshot/scripts.ts'
import { humanSize } from '../backup/backup.ts'
import { ageText } from '../backup/status.ts'
import { type BackupEntry, newestVerified, parseInventory } from '../backup/inventory.ts'
import { areaVars } from '../backup/job.ts'
import { type DrillRecord, parseDrills } from '../backup/drills.ts'

export const WATCH_LIB = [...new Set([...PITR_LIB, ...SNAPSHOT_LIB, 'watch/watch.sh'])]

/** The server's archiver in one row (watch.sh: watch_pitr): epoch seconds, 0 for never; segments waiting. */
export const ARCHIVER_SQL =
  'SELECT extract(epoch FROM now())::bigint, ' +
  "coalesce(extract(epoch FROM last_archived_time)::bigint, 0), coalesce(last_archived_wal, '-'), " +
  "coalesce(extract(epoch FROM last_failed_time)::bigint, 0), coalesce(last_failed_wal, '-'), " +
  "(SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'), " +
  'coalesce((SELECT extract(epoch FROM min(modification))::bigint FROM pg_ls_archive_statusdir() ' +
  "WHERE name LIKE '%.ready'), 0) FROM pg_stat_archiver"

export interface Archiver {
  lastArchived?: Date
  lastArchivedWal?: string
  lastFailed?: Date
  lastFailedWal?: string
  /** Finished segments the archiver has not pushed yet (.ready files), and when the oldest was finished. */
  waiting: number
  oldestWaiting?: Date
}

export interface Figures {
  entries: BackupEntry[]
  drills: DrillRecord[]
  /** With pitr: the running server's archiver, or why it could not be read. */
  archiver?: Archiver | { problem: string }
  /** With pitr: the repository's base backups, or why not. */
  repo?: PitrInfo | { problem: string }
  /** With snapshots: the newest snapshot; with copy_to, the newest copy there (rsync: not readable). */
  snapshot?: SnapshotRef | null
  /** The snapshots could not be listed here (the snapshot and copy checks are then unknown, not red). */
  unlisted?: true
  copy?: { dest: string; newest?: SnapshotRef | null; rsync?: true }
  /** The core host's clock when it read the figures (ages count from it, not this machine's). */
  hostNow?: Date
}

/** One read-only script for every figure (its parts after the inventory never fail: a problem is a figure). */
export function watchScript(cfg: Config): ScriptParts {
  const body = [...bind(areaVars(cfg)), 'backups_dir', 'snap_now', 'inventory']
  const p = cfg.stack.pitr
  if (p) body.push(...bind({ ...pitrVars(cfg, p), archiver_sql: ARCHIVER_SQL }), 'watch_pitr')
  if (cfg.stack.snapshots) {
    const s = snapshotSettings(cfg)
    // A listing this job cannot make (ZFS without /dev/zfs in the backup unit's sandbox) is said, not fatal.
    const lists = [
      ...listLines(s.target),
      ...(s.copyTo ? destListLines(s.target, parseCopyTo(s.target, s.copyTo, s.file)) : []),
    ]
    body.push(...targetVars(s.target), ...lists.map((l) => l.replace(/^snap_list /, 'watch_list ')))
  }
  return { lib: WATCH_LIB, body }
}

const epoch = (s: string | undefined) => (s && Number(s) > 0 ? new Date(Number(s) * 1000) : undefined)

export function parseArchiver(detail: string): Archiver | { problem: string } {
  if (detail === 'down') return { problem: 'the db is not running: nothing is archived' }
  if (detail.startsWith('unreadable')) return { problem: `pg_stat_archiver could not be read: ${detail.slice(11)}` }
  const [, archived, wal, failed, failedWal, waiting, oldest] = detail.trim().split(/\s+/)
  return {
    lastArchived: epoch(archived),
    ...(wal && wal !== '-' ? { lastArchivedWal: wal } : {}),
    lastFailed: epoch(failed),
    ...(failedWal && failedWal !== '-' ? { lastFailedWal: failedWal } : {}),
    waiting: Number(waiting) || 0,
    oldestWaiting: epoch(oldest),
  }
}

export function parseFigures(cfg: Config, stdout: string): Figures {
  const f: Figures = { entries: parseInventory(stdout), drills: parseDrills(stdout) }
  const ev = events(stdout)
  const clock = Number(ev.find((e) => e.event === 'now')?.detail)
  if (clock > 0) f.hostNow = new Date(clock * 1000)
  if (ev.some((e) => e.event === 'snapshots-unlisted')) f.unlisted = true
  if (cfg.stack.pitr) {
    const a = ev.find((e) => e.event === 'archiver')
    f.archiver = a ? parseArchiver(a.detail) : { problem: 'not read' }
    const bad = ev.find((e) => e.event === 'pitr-unreadable')
    if (ev.some((e) => e.event === 'pitr-none')) f.repo = { problem: 'there is no pgBackRest repository yet' }
    else if (bad) f.repo = { problem: `pgBackRest could not read its repository: ${bad.detail}` }
    else f.repo = parseInfo(stdout)
  }
  if (cfg.stack.snapshots) {
    const s = snapshotSettings(cfg)
    const newest = (refs: SnapshotRef[]) => [...refs].sort((a, b) => b.time.getTime() - a.time.getTime())[0] ?? null
    f.snapshot = newest(parseListing(s.target, stdout, s.prefix).own)
    if (s.copyTo) {
      const dest = parseCopyTo(s.target, s.copyTo, s.file)
      f.copy =
        dest.kind === 'rsync'
          ? { dest: dest.dest, rsync: true }
          : {
              dest: dest.dest,
              newest: newest(parseListing(destTarget(s.target, dest.dest), stdout, s.prefix, 'dest').own),
            }
    }
  }
  return f
}

export type CheckName = 'dump' | 'base_backup' | 'archive' | 'drill' | 'snapshot' | 'copy'
export const CHECK_LABEL: Record<CheckName, string> = {
  dump: 'dump',
  base_backup: 'base backup',
  archive: 'WAL archive',
  drill: 'restore drill',
  snapshot: 'snapshot',
  copy: 'copy off node A',
}

export interface Check {
  name: CheckName
  /** off: not configured; unknown: configured, but not readable from here (not red). */
  state: 'ok' | 'red' | 'off' | 'unknown'
  /** What the figure is, in words; `why` says what is wrong when red. */
  summary: string
  why?: string
  /** The moment the figure's age counts from (the newest dump's time, …), and the limit on that age. */
  at?: Date
  ageSeconds?: number
  thresholdSeconds?: number
  /** Figures of their own for the JSON and the textfile. */
  extra: Record<string, string | number | boolean | null>
}

/** A moment as ISO 8601 to the second, or null (the JSON's form). */
export const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null)
const secs = (now: Date, d: Date) => Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000))
const hours = (h: number) => `${h} h`

function aged(
  name: CheckName,
  now: Date,
  at: Date | undefined,
  limitSeconds: number,
  limitText: string,
  what: string,
  extra: Check['extra'],
  missing: string,
): Check {
  if (!at) return { name, state: 'red', summary: missing, why: missing, thresholdSeconds: limitSeconds, extra }
  const age = secs(now, at)
  const summary = `${what}, ${ageText(age * 1000)} old (max ${limitText})`
  const base = { name, summary, at, ageSeconds: age, thresholdSeconds: limitSeconds, extra }
  return age > limitSeconds
    ? { ...base, state: 'red', why: `${what} is ${ageText(age * 1000)} old, over ${limitText}` }
    : { ...base, state: 'ok' }
}

/** Every check of this config's figures at `now`, in a fixed order (off ones included). */
export function checks(cfg: Config, f: Figures, now: Date): Check[] {
  const m = cfg.stack.monitoring
  const out: Check[] = []
  const n = newestVerified(f.entries)
  const damaged = f.entries.filter((e) => e.checkedNow === false).map((e) => e.file)
  const dumpMax = cfg.stack.backups.status_max_age_hours
  const dump = aged(
    'dump',
    now,
    n?.time,
    dumpMax * 3600,
    hours(dumpMax),
    n ? `${n.file} (${humanSize(n.size)}, ${n.checkedNow ? 'sha256 checked now' : 'verified at backup time'})` : '',
    {
      file: n?.file ?? null,
      size_bytes: n?.size ?? null,
      checked_now: n?.checkedNow ?? null,
      damaged: damaged.join(' '),
    },
    `no verified dump (of ${f.entries.length} files): make backup, and check ktrdr-backup.timer`,
  )
  if (damaged.length && dump.state === 'ok')
    Object.assign(dump, { state: 'red', why: `DAMAGED newer dump: ${damaged.join(', ')} (sha256 differs)` })
  out.push(dump)
  out.push(...pitrChecks(cfg, f, now))
  const oldest = f.entries.filter((e) => e.verified).at(-1)?.time
  out.push(drillCheck(f.drills, now, m.drill_max_age_days, oldest))
  if (!cfg.stack.snapshots) {
    out.push({ name: 'snapshot', state: 'off', summary: 'off (no snapshots: in stack-config.yml)', extra: {} })
    out.push({ name: 'copy', state: 'off', summary: 'off (no snapshots.copy_to)', extra: {} })
    return out
  }
  if (f.unlisted) {
    const summary = 'the snapshots cannot be listed by this job here (the snapshot job writes the figure)'
    for (const name of ['snapshot', 'copy'] as const) out.push({ name, state: 'unknown', summary, extra: {} })
    return out
  }
  const s = f.snapshot ?? undefined
  out.push(
    aged(
      'snapshot',
      now,
      s?.time,
      m.snapshot_max_age_hours * 3600,
      hours(m.snapshot_max_age_hours),
      s?.name ?? '',
      { name: s?.name ?? null },
      'no snapshot yet: make snapshot, and check ktrdr-snapshot.timer',
    ),
  )
  const c = f.copy
  if (!c) out.push({ name: 'copy', state: 'off', summary: 'off (no snapshots.copy_to)', extra: {} })
  else if (c.rsync)
    out.push({
      name: 'copy',
      state: 'unknown',
      summary: `rsync to ${c.dest}: its age is not read from here (check the destination by hand)`,
      thresholdSeconds: m.copy_max_age_hours * 3600,
      extra: { dest: c.dest },
    })
  else
    out.push(
      aged(
        'copy',
        now,
        c.newest?.time,
        m.copy_max_age_hours * 3600,
        hours(m.copy_max_age_hours),
        `${c.newest?.name} in ${c.dest}`,
        { name: c.newest?.name ?? null, dest: c.dest },
        `no copy in ${c.dest} yet: make snapshot-copy, and check ktrdr-snapshot.timer`,
      ),
    )
  return out
}

function pitrChecks(cfg: Config, f: Figures, now: Date): Check[] {
  const m = cfg.stack.monitoring
  if (!cfg.stack.pitr)
    return (['base_backup', 'archive'] as const).map((name) => ({
      name,
      state: 'off',
      summary: 'off (no pitr: in stack-config.yml)',
      extra: {},
    }))
  const repo = f.repo
  const newest = repo && 'backups' in repo ? repo.backups.at(-1) : undefined
  const base = aged(
    'base_backup',
    now,
    newest?.stop,
    m.base_backup_max_age_hours * 3600,
    hours(m.base_backup_max_age_hours),
    `${newest?.label} (${newest?.type})`,
    { label: newest?.label ?? null, type: newest?.type ?? null },
    repo && 'problem' in repo ? repo.problem : 'no base backup in the pgBackRest repository: make backup',
  )
  return [base, archiveCheck(f.archiver, now, m.archive_max_lag_seconds)]
}

/**
 * The archive's lag: how long the oldest finished segment has waited for the archiver (its .ready file's
 * time); 0 when nothing waits (an idle server finishes no segment, and loses nothing). On a good day a segment
 * waits for its push only, a second or less; what is written meanwhile is at risk for up to archive_timeout
 * more, the RPO the config sets. Its `at` is the oldest waiting segment's time (none when nothing waits), so
 * an age against the threshold is the lag, in the JSON and the textfile alike.
 */
export function archiveCheck(a: Figures['archiver'], now: Date, maxLag: number): Check {
  if (!a || 'problem' in a) {
    const why = a?.problem ?? 'not read'
    return { name: 'archive', state: 'red', summary: why, why, thresholdSeconds: maxLag, extra: {} }
  }
  const from = a.waiting > 0 ? (a.oldestWaiting ?? a.lastArchived) : undefined
  const lag = from ? secs(now, from) : 0
  const failing = Boolean(a.lastFailed && (!a.lastArchived || a.lastFailed > a.lastArchived))
  const last = a.lastArchived
    ? `last segment archived ${ageText(secs(now, a.lastArchived) * 1000)} ago (${a.lastArchivedWal})`
    : 'no segment archived yet'
  const fail = failing ? `; archiving FAILS since ${iso(a.lastFailed)} (${a.lastFailedWal})` : ''
  const summary = `${a.waiting} segments waiting, lag ${lag} s (max ${maxLag} s); ${last}${fail}`
  const extra = {
    lag_seconds: lag,
    waiting_segments: a.waiting,
    last_archived_at: iso(a.lastArchived),
    last_archived_wal: a.lastArchivedWal ?? null,
    last_failed_at: iso(a.lastFailed),
    last_failed_wal: a.lastFailedWal ?? null,
    failing,
  }
  const base = { name: 'archive' as const, summary, at: from, thresholdSeconds: maxLag, extra }
  const ageSeconds = from ? lag : undefined
  return lag > maxLag
    ? {
        ...base,
        ageSeconds,
        state: 'red',
        why: `${a.waiting} WAL segments have waited ${lag} s for the archiver, over ${maxLag} s${fail}`,
      }
    : { ...base, ageSeconds, state: 'ok' }
}

/**
 * The drill's heartbeat (each drill's line in <backups>/.drills.log): the newest passed drill's age; red when
 * the last drill did not pass. With none passed yet, the age counts from the oldest backup (`since`): a new
 * install is not red before its first weekly drill was due, and says it has none; none at all is red.
 */
export function drillCheck(drills: DrillRecord[], now: Date, maxDays: number, since?: Date): Check {
  const all = [...drills].sort((a, b) => a.time.localeCompare(b.time))
  const last = all.at(-1)
  const passed = all.filter((d) => d.result === 'passed').at(-1)
  const limit = maxDays * 86_400
  const extra = {
    result: last?.result ?? null,
    file: last?.file ?? null,
    last_run_at: last?.time ?? null,
    last_passed_at: passed?.time ?? null,
  }
  const none = 'no restore drill has passed: make backup-verify, and check ktrdr-drill.timer'
  const c = aged(
    'drill',
    now,
    passed ? new Date(passed.time) : since,
    limit,
    `${maxDays} d`,
    passed ? `last passed on ${passed.file}` : 'none passed yet, since the oldest backup',
    extra,
    none,
  )
  if (!passed && since && c.state === 'red') c.why = `${none} (the oldest backup is older than ${maxDays} d)`
  if (last && last.result !== 'passed')
    return {
      ...c,
      state: 'red',
      why:
        `the last restore drill (${last.time}, ${last.file}) ` +
        `${last.result === 'failed' ? 'FAILED' : 'could not finish'}: ${last.detail}`,
    }
  return c
}
