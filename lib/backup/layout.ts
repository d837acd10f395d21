// Where backups live and what they are called. A backup is three files sharing one base name:
// <base>.dump (pg_dump -Fc), <base>.roles.sql (pg_dumpall --globals-only) and <base>.manifest.json,
// written last: a present manifest means a verified backup. Work in progress is dot-prefixed (.partial-…).
import type { Config } from '../config/model.ts'

export type BackupKind = 'daily' | 'pre-restore'

export interface BackupDirs {
  /** The backups directory as the core host sees it (shared.host_path/backups.subdir). */
  host: string
  /** The same directory inside the db container (shared.container_path/backups.subdir). */
  container: string
  /** The shared mount it lives on (shared.host_path): checked to be a mount before anything is read or written. */
  mount: string
}

export function backupDirs(cfg: Config): BackupDirs {
  const sub = cfg.stack.backups.subdir
  return {
    host: `${cfg.stack.shared.host_path}/${sub}`,
    container: `${cfg.stack.shared.container_path}/${sub}`,
    mount: cfg.stack.shared.host_path,
  }
}

/** 2026-11-27T13:05:09.123Z → 20261127T130509Z */
export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')
}

export function baseName(db: string, kind: BackupKind, at: Date): string {
  return `${db}-${kind === 'pre-restore' ? 'pre-restore-' : ''}${stamp(at)}`
}

export const files = (base: string) => ({
  dump: `${base}.dump`,
  roles: `${base}.roles.sql`,
  manifest: `${base}.manifest.json`,
})

export const PARTIAL_PREFIX = '.partial-'

/** The design's original pipeline (§8.2): ktrdr-YYYYMMDD.sql.gz, plain SQL through gzip. */
export const LEGACY_RE = /^[A-Za-z0-9_]+-(\d{8})\.sql\.gz$/
export const DUMP_RE = /^([A-Za-z0-9_]+-(?:pre-restore-)?(\d{8}T\d{6}Z))\.dump$/

/** 20261127T130509Z → Date */
export function parseStamp(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(s)
  if (!m) return undefined
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)))
}

/** Scratch databases the toolkit creates (and may drop): <db>_restore_<stamp>, <db>_drill_<stamp>. */
export function scratchName(db: string, what: 'restore' | 'drill', at: Date): string {
  return `${db}_${what}_${stamp(at).toLowerCase()}`
}
