// What a point-in-time restore can reach: pgBackRest's info (its JSON) and the newest archived WAL segment,
// read by pitr.sh's pitr_info, turned into the restorable range; and TIME= checked against it.
import { OpsError } from '../errors.ts'
import { events } from '../job/protocol.ts'

export interface BaseBackup {
  label: string
  type: 'full' | 'diff' | 'incr'
  /** When it became consistent: the earliest moment it can restore to. */
  stop: Date
}

export interface PitrInfo {
  backups: BaseBackup[]
  /** When the newest WAL segment reached the repository (undefined: none yet). */
  walNewest?: Date
  walNewestFile?: string
}

interface InfoJson {
  backup?: { label: string; type: BaseBackup['type']; error?: boolean; timestamp: { stop: number } }[]
}

/** pitr_info's events → the repository's good base backups (oldest first) and its newest WAL. */
export function parseInfo(stdout: string): PitrInfo {
  const ev = events(stdout)
  const json = ev.find((e) => e.event === 'pitr-info')?.detail ?? '[]'
  const stanzas = JSON.parse(json) as InfoJson[]
  const backups = (stanzas[0]?.backup ?? [])
    .filter((b) => !b.error)
    .map((b) => ({ label: b.label, type: b.type, stop: new Date(b.timestamp.stop * 1000) }))
    .sort((a, b) => a.stop.getTime() - b.stop.getTime())
  const [epoch, file] = (ev.find((e) => e.event === 'wal-newest')?.detail ?? '0 -').split(' ')
  const t = Number(epoch)
  return t > 0 ? { backups, walNewest: new Date(t * 1000), walNewestFile: file } : { backups }
}

/** The range a restore can reach: from the oldest good base backup's end to the newest archived WAL. */
export function restorableRange(i: PitrInfo): { from: Date; to: Date } | undefined {
  const from = i.backups[0]?.stop
  if (!from) return undefined
  const to = i.walNewest && i.walNewest > from ? i.walNewest : from
  return { from, to }
}

/** The newest full base backup's end (make backup takes a full one when it is older than full_every_days). */
export function newestFull(i: PitrInfo): Date | undefined {
  return i.backups.filter((b) => b.type === 'full').at(-1)?.stop
}

/** 2026-12-01 10:42:00+00, 2026-12-01T10:42:00.5Z, …+01:00: a moment with its zone, as PostgreSQL reads it. */
const TIME_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/

const fmt = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * TIME= checked: `latest` (the end of the archive) or a moment with a zone, neither in the future nor outside
 * the range. Returns the target for pgBackRest ("" for latest).
 */
export function checkTarget(time: string, i: PitrInfo, now: Date): { target: string; at?: Date } {
  const range = restorableRange(i)
  if (!range)
    throw new OpsError('there is no base backup in the pgBackRest repository: nothing to restore to a moment from', {
      hint: 'make backup takes one (and a logical dump); FILE= restores a dump',
      exitCode: 2,
    })
  const span = `${fmt(range.from)} … ${fmt(range.to)}`
  if (time === 'latest') return { target: '' }
  const m = TIME_RE.exec(time.trim())
  if (!m) {
    const hint = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(time.trim())
      ? `it has no zone: say which, e.g. TIME='${time.trim()}+00' (UTC)`
      : "give a moment with its zone, e.g. TIME='2026-12-01 10:42:00+00', or TIME=latest"
    throw new OpsError(`TIME=${JSON.stringify(time)} is not a time this restore can use`, { hint, exitCode: 2 })
  }
  const zone = m[3] === 'Z' ? 'Z' : m[3]!.length === 3 ? `${m[3]}:00` : m[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  const at = new Date(`${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}${zone}`)
  if (Number.isNaN(at.getTime()))
    throw new OpsError(`TIME=${JSON.stringify(time)} is not a real moment`, { exitCode: 2 })
  if (at > now)
    throw new OpsError(`TIME=${time} is in the future (now ${fmt(now)})`, {
      hint: `the restorable range is ${span}; TIME=latest restores up to the newest archived WAL`,
      exitCode: 2,
    })
  if (at < range.from || at > range.to)
    throw new OpsError(`TIME=${time} is outside the range this repository can restore: ${span}`, {
      hint:
        at < range.from
          ? 'before the oldest base backup: restore an older logical dump with FILE= instead (make restore LIST=1)'
          : 'after the newest archived WAL: TIME=latest restores everything the archive holds',
      exitCode: 2,
    })
  return { target: time.trim(), at }
}
