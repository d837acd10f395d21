// What is in the backups directory: one read-only script prints every file and every manifest; the
// parser turns that into entries. A backup counts as verified only with a valid manifest whose dump is
// present at the recorded size (the sha256 is checked again before any restore).
import type { Config } from '../config/model.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { areaVars, BACKUP_LIB } from './job.ts'
import { DUMP_RE, LEGACY_RE, parseStamp } from './layout.ts'
import { type Manifest, parseManifest } from './manifest.ts'
import { type DrillRecord, lastDrills, parseDrills } from './drills.ts'

export interface BackupEntry {
  /** <base> for our dumps; the file name for the design's .sql.gz dumps. */
  name: string
  file: string
  format: 'custom' | 'plain-gzip'
  size: number
  /** The manifest's time when there is one; else the time in the file name. */
  time: Date
  manifest?: Manifest
  verified: boolean
  /** Why it is not verified. */
  problem?: string
  /** The dump's sha256 was compared with its manifest's by this run (backup-status): true = it matched. */
  checkedNow?: boolean
  /** Its last restore drill (make backup-verify), when it had one. */
  drill?: DrillRecord
  kind: 'daily' | 'pre-restore' | 'legacy'
}

export function inventoryScript(cfg: Config): ScriptParts {
  return { lib: BACKUP_LIB, body: [...bind(areaVars(cfg)), 'backups_dir', 'inventory'] }
}

export function parseInventory(stdout: string): BackupEntry[] {
  const sizes = new Map<string, number>()
  const manifests = new Map<string, string>()
  for (const e of events(stdout)) {
    if (e.event === 'file') {
      const i = e.detail.indexOf(' ')
      sizes.set(e.detail.slice(i + 1), Number(e.detail.slice(0, i)))
    } else if (e.event === 'manifest') {
      const i = e.detail.indexOf(' ')
      manifests.set(e.detail.slice(0, i), e.detail.slice(i + 1))
    }
  }
  const out: BackupEntry[] = []
  for (const [file, size] of sizes) {
    const legacy = LEGACY_RE.exec(file)
    if (legacy) {
      out.push({
        name: file,
        file,
        format: 'plain-gzip',
        size,
        time: parseStamp(legacy[1]!)!,
        verified: false,
        problem: 'plain .sql.gz without a manifest (checked in full when restored)',
        kind: 'legacy',
      })
      continue
    }
    const m = DUMP_RE.exec(file)
    if (!m) continue
    const base = m[1]!
    const entry: BackupEntry = {
      name: base,
      file,
      format: 'custom',
      size,
      time: parseStamp(m[2]!)!,
      verified: false,
      kind: file.includes('-pre-restore-') ? 'pre-restore' : 'daily',
    }
    const text = manifests.get(`${base}.manifest.json`)
    if (text === undefined) entry.problem = 'no manifest (incomplete or failed backup)'
    else {
      const { manifest, problem } = parseManifest(text)
      if (!manifest) entry.problem = `manifest is invalid: ${problem}`
      else if (manifest.dump.file !== file) entry.problem = `manifest names ${manifest.dump.file}`
      else if (manifest.dump.size !== size)
        entry.problem = `size ${size} differs from the manifest's ${manifest.dump.size} (truncated or replaced)`
      else if (!sizes.has(manifest.roles.file)) entry.problem = `roles file ${manifest.roles.file} is missing`
      else Object.assign(entry, { manifest, verified: true, time: new Date(manifest.time), kind: manifest.kind })
    }
    out.push(entry)
  }
  // A backup whose last drill failed is not verified, whatever its manifest says.
  const drills = lastDrills(parseDrills(stdout))
  for (const e of out) {
    e.drill = drills.get(e.file)
    if (e.drill?.result === 'failed' && e.verified) {
      e.verified = false
      e.problem = `its last restore drill failed (${e.drill.time}): ${e.drill.detail}`
    }
  }
  return out.sort((a, b) => b.time.getTime() - a.time.getTime() || b.name.localeCompare(a.name))
}

/** The newest verified daily backup (pre-restore safety dumps are never picked by default). */
export function newestVerified(entries: BackupEntry[]): BackupEntry | undefined {
  return entries.find((e) => e.verified && e.kind === 'daily')
}

/** The sha256 of these dumps now (lib/backup/backup.sh: sums). */
export function sumsScript(cfg: Config, files: string[]): ScriptParts {
  return { lib: BACKUP_LIB, body: [...bind({ ...areaVars(cfg), files }), 'backups_dir', 'sums'] }
}

export function parseSums(stdout: string): Map<string, string> {
  return new Map(
    events(stdout)
      .filter((e) => e.event === 'sha256')
      .map((e) => e.detail.split(' ') as [string, string]),
  )
}

/**
 * Check the newest verified daily backups' sha256 now, newest first, until one matches its manifest: each one
 * that does not is marked damaged (never "verified"). `sums` runs the check on the host.
 */
export async function checkNewest(
  entries: BackupEntry[],
  sums: (files: string[]) => Promise<Map<string, string>>,
): Promise<void> {
  for (const e of entries.filter((x) => x.verified && x.kind === 'daily')) {
    const now = (await sums([e.file])).get(e.file)
    if (now === e.manifest!.dump.sha256) {
      e.checkedNow = true
      return
    }
    e.verified = false
    e.checkedNow = false
    e.problem =
      now === 'unreadable'
        ? 'DAMAGED: the dump cannot be read (checked now)'
        : 'DAMAGED: its sha256 differs from the manifest (checked now): never restore it'
  }
}

/** The backup timer on the host (lib/backup/backup.sh: timer_state), in words. */
export function timerScript(cfg: Config): ScriptParts {
  return { lib: BACKUP_LIB, body: [...bind(areaVars(cfg)), 'timer_state'] }
}

export function timerLine(stdout: string): string {
  const e = events(stdout).find((x) => x.event === 'timer')
  if (!e) return 'backup timer: unknown'
  const [installed, enabled, ...last] = e.detail.split(' ')
  if (installed !== 'installed')
    return 'backup timer: NOT installed on this host — make install-backup-timer (docs/backup.md, "Schedule")'
  const when = last.join(' ')
  const on = enabled === 'enabled' ? 'enabled' : 'NOT enabled (systemctl enable --now ktrdr-backup.timer)'
  return `backup timer: installed, ${on}, last run ${when === 'unknown' ? 'unknown (no systemd here)' : when}`
}
