// What backup-status and restore print about the backups directory, and the monitoring verdict.
import { humanSize } from './backup.ts'
import { type BackupEntry, newestVerified } from './inventory.ts'

export function ageText(ms: number): string {
  // Never negative: the core host's clock reads whole seconds, and a moment this machine stamped may be ahead.
  const h = Math.max(0, ms) / 3_600_000
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`
}

export function listLines(entries: BackupEntry[], now: Date): string[] {
  if (!entries.length) return ['  (no backups)']
  return entries.map((e, i) => {
    const drilled = e.drill?.result === 'passed' ? `; restore drill passed ${e.drill.time}` : ''
    const state = e.verified
      ? e.checkedNow
        ? `verified: sha256 matches its manifest (checked now)${drilled}`
        : `verified at backup time (sha256 recorded; checked again before any restore)${drilled}`
      : `NOT verified: ${e.problem}`
    return (
      `  ${String(i + 1).padStart(2)}. ${e.time.toISOString().replace('.000Z', 'Z')}  ` +
      `${ageText(now.getTime() - e.time.getTime()).padStart(7)} ago  ` +
      `${humanSize(e.size).padStart(9)}  ${e.kind.padEnd(11)} ${e.file}  ${state}`
    )
  })
}

/** When the newest verified backup (and any backup) was last drilled, in one line. */
export function drillLine(entries: BackupEntry[], now: Date): string {
  const drilled = entries.filter((e) => e.drill).sort((a, b) => b.drill!.time.localeCompare(a.drill!.time))
  if (!drilled.length) return 'restore drill: never run on these backups — make backup-verify (docs/backup.md)'
  const d = drilled[0]!.drill!
  const ago = ageText(now.getTime() - Date.parse(d.time))
  const n = newestVerified(entries)
  const newest = n && n.drill?.result !== 'passed' ? `; the newest verified backup ${n.file} has not been drilled` : ''
  return (
    `restore drill: last run ${d.time} (${ago} ago) on ${d.file}: ${d.result.toUpperCase()}` +
    `${d.result === 'passed' ? '' : ` (${d.detail})`}${newest}`
  )
}

export interface StatusVerdict {
  ok: boolean
  line: string
}

export function statusVerdict(entries: BackupEntry[], maxAgeHours: number, now: Date): StatusVerdict {
  const n = newestVerified(entries)
  const damaged = entries.filter((e) => e.checkedNow === false)
  const dmg = damaged.length
    ? ` — DAMAGED newer backup${damaged.length > 1 ? 's' : ''}: ${damaged.map((e) => e.file).join(', ')} ` +
      '(sha256 differs from the manifest)'
    : ''
  if (!n)
    return {
      ok: false,
      line:
        `CRITICAL: no verified backup (of ${entries.length} files) — run make backup, ` +
        `and check the timer (systemctl status ktrdr-backup.timer)`,
    }
  const age = now.getTime() - n.time.getTime()
  const m = n.manifest!
  const checked = n.checkedNow ? 'matches its manifest, checked now' : 'recorded at backup time, not re-checked'
  const what =
    `newest verified backup ${n.file}: ${ageText(age)} old, ${humanSize(n.size)}, ` +
    `sha256 ${m.dump.sha256.slice(0, 12)}… (${checked}), ${m.tables.length} tables, ` +
    `PostgreSQL ${m.server.server_version.split(' ')[0]}, ` +
    `TimescaleDB ${m.server.timescaledb ?? 'none'}`
  if (age > maxAgeHours * 3_600_000)
    return { ok: false, line: `CRITICAL: ${what} — older than status_max_age_hours (${maxAgeHours} h)${dmg}` }
  if (dmg) return { ok: false, line: `CRITICAL: ${what}${dmg}` }
  return { ok: true, line: `OK: ${what}` }
}
