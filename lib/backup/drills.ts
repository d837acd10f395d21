// The restore drills' results, kept beside the backups (<backups>/.drills.log, one JSON line per drill):
// backup-verify appends one, pass or fail; the inventory reads them back, so backup-status can say when
// each backup was last drilled, and a backup whose last drill failed is never "verified" again.
import type { Config } from '../config/model.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { areaVars, BACKUP_LIB } from './job.ts'
import { redact } from '../redactor.ts'

export interface DrillRecord {
  time: string
  file: string
  /** passed; failed: the backup is at fault (damaged, or restores to other data); error: the drill could not finish. */
  result: 'passed' | 'failed' | 'error'
  detail: string
}

export function drillRecordScript(cfg: Config, r: DrillRecord): ScriptParts {
  // Masked before it is cut: a registered secret in a message never reaches the shared storage, even in part.
  const line = JSON.stringify({ ...r, detail: redact(r.detail).replace(/\s+/g, ' ').slice(0, 300) })
  return { lib: BACKUP_LIB, body: [...bind({ ...areaVars(cfg), drill_line: line }), 'backups_dir', 'drill_record'] }
}

/** The drill lines of an inventory, oldest first; lines that do not parse are skipped. */
export function parseDrills(stdout: string): DrillRecord[] {
  const out: DrillRecord[] = []
  for (const e of events(stdout)) {
    if (e.event !== 'drill') continue
    try {
      const r = JSON.parse(e.detail) as DrillRecord
      if (typeof r.time === 'string' && typeof r.file === 'string' && ['passed', 'failed', 'error'].includes(r.result))
        out.push({ time: r.time, file: r.file, result: r.result, detail: String(r.detail ?? '') })
    } catch {
      /* a line damaged by hand: not a drill */
    }
  }
  return out
}

/** Each file's last drill. */
export function lastDrills(drills: DrillRecord[]): Map<string, DrillRecord> {
  return new Map(drills.map((d) => [d.file, d]))
}
