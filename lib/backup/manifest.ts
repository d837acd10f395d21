// The manifest: written last, on one line, by the backup script; read back here. Comparing a restored
// database with it is pure: every table's row count and checksum, the hypertables and their chunks.
import { z } from '../zod.ts'
import type { DbStats } from './stats-sql.ts'

export const MANIFEST_FORMAT = 'ktrdr-backup/1'

const fileInfo = z.object({
  file: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
})

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  kind: z.enum(['daily', 'pre-restore']),
  time: z.string().datetime(),
  host: z.string(),
  server: z.object({
    server_version: z.string(),
    server_version_num: z.number().int(),
    timescaledb: z.string().nullable(),
    database: z.string(),
  }),
  hypertables: z.array(z.object({ table: z.string(), chunks: z.number().int() })),
  tables: z.array(z.object({ table: z.string(), rows: z.number().int(), checksum: z.string() })),
  checksum_algorithm: z.string(),
  dump: fileInfo.extend({ format: z.literal('custom'), compression: z.string() }),
  roles: fileInfo,
  duration_s: z.number().optional(),
})

export type Manifest = z.output<typeof manifestSchema>

/** Parse a manifest's text; undefined (with the reason) when it is not one of ours. */
export function parseManifest(text: string): { manifest?: Manifest; problem?: string } {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` }
  }
  const r = manifestSchema.safeParse(data)
  if (!r.success)
    return { problem: r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ') }
  return { manifest: r.data }
}

export interface Comparison {
  rows: { table: string; expected: string; actual: string; ok: boolean }[]
  mismatches: number
}

/** Every table and hypertable of the manifest against a database's statistics (and tables the manifest lacks). */
export function compareWithManifest(m: Pick<Manifest, 'tables' | 'hypertables'>, s: DbStats): Comparison {
  const rows: Comparison['rows'] = []
  const actual = new Map(s.tables.map((t) => [t.table, t]))
  for (const t of m.tables) {
    const a = actual.get(t.table)
    actual.delete(t.table)
    // A copy counted without checksums is compared on row counts alone (make restore's default).
    const sums = a?.checksum !== null
    const expected = sums ? `${t.rows} rows, checksum ${t.checksum}` : `${t.rows} rows`
    rows.push({
      table: t.table,
      expected,
      actual: a ? (sums ? `${a.rows} rows, checksum ${a.checksum}` : `${a.rows} rows`) : 'missing',
      ok: !!a && a.rows === t.rows && (!sums || a.checksum === t.checksum),
    })
  }
  for (const a of actual.values())
    rows.push({ table: a.table, expected: 'absent', actual: `${a.rows} rows`, ok: false })
  const hts = new Map(s.hypertables.map((h) => [h.table, h.chunks]))
  for (const h of m.hypertables) {
    const chunks = hts.get(h.table)
    rows.push({
      table: `${h.table} (hypertable)`,
      expected: `${h.chunks} chunks`,
      actual: chunks === undefined ? 'not a hypertable' : `${chunks} chunks`,
      ok: chunks === h.chunks,
    })
  }
  return { rows, mismatches: rows.filter((r) => !r.ok).length }
}

export function formatComparison(c: Comparison): string[] {
  const w = Math.max(5, ...c.rows.map((r) => r.table.length))
  return [
    `${'table'.padEnd(w)}  ${'manifest'.padEnd(40)}  restored`,
    ...c.rows.map((r) => `${r.table.padEnd(w)}  ${r.expected.padEnd(40)}  ${r.actual}${r.ok ? '' : '   <-- MISMATCH'}`),
  ]
}
