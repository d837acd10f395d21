/**
 * Parser for `zfs list -H -p -t snapshot -o name,creation -s creation -d 1 <dataset>`
 * (see listSnapshots in commands.ts): one line per snapshot, fields separated by
 * a tab (-H), creation as epoch seconds (-p).
 *
 *   tank/ktrdr-shared@ktrdr-2026-11-27T12-00-00Z\t1795780800
 */
import { SnapshotError } from './errors.ts'

export interface ZfsSnapshot {
  dataset: string
  /** The part after `@`. */
  name: string
  created: Date
}

export function parseZfsSnapshotList(stdout: string): ZfsSnapshot[] {
  const out: ZfsSnapshot[] = []
  stdout.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '')
    if (line === '') return
    const fields = line.split('\t')
    const full = fields[0] ?? ''
    const at = full.indexOf('@')
    const creation = fields[1] ?? ''
    if (fields.length !== 2 || at <= 0 || at === full.length - 1 || !/^\d+$/.test(creation)) {
      throw new SnapshotError(
        `zfs list line ${i + 1}`,
        `expected "<dataset>@<name><TAB><creation seconds>" (zfs list -H -p -o name,creation), ` +
          `found ${JSON.stringify(line)}`,
      )
    }
    out.push({ dataset: full.slice(0, at), name: full.slice(at + 1), created: new Date(Number(creation) * 1000) })
  })
  return out
}
