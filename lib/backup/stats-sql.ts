// The psql script that describes a database: one JSON line for the server (versions), one for the
// hypertables (with chunk counts), one per user table (row count and an order-independent checksum),
// then `::end`. The same text runs at backup time (inside the dump's snapshot) and against a restored
// copy, so the two can be compared line by line.

/** Schemas that belong to PostgreSQL or TimescaleDB's internals (chunks are counted through their hypertable). */
const SYSTEM_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT LIKE '\\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\\_%'`

export const CHECKSUM_ALGORITHM = 'sum(hashtextextended(row::text, 0))'

export const STATS_SQL = [
  "SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL AS ktrdr_has_tsdb \\gset",
  "SELECT json_build_object('server_version', current_setting('server_version'), 'server_version_num', current_setting('server_version_num')::int, 'timescaledb', (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), 'database', current_database())::text;",
  '\\if :ktrdr_has_tsdb',
  "SELECT coalesce(json_agg(json_build_object('table', format('%I.%I', hypertable_schema, hypertable_name), 'chunks', num_chunks) ORDER BY hypertable_schema, hypertable_name), '[]')::text FROM timescaledb_information.hypertables;",
  '\\else',
  "SELECT '[]';",
  '\\endif',
  // One SELECT per table, generated and run by \gexec; extension-owned tables are left out.
  "SELECT format('SELECT json_build_object(%L, %L, %L, count(*), %L, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text)::text FROM %I.%I t', 'table', format('%I.%I', n.nspname, c.relname), 'rows', 'checksum', n.nspname, c.relname)",
  '  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
  `  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SYSTEM_SCHEMAS}`,
  "    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')",
  '  ORDER BY n.nspname, c.relname \\gexec',
  "SELECT '::end';",
  '',
].join('\n')

export interface ServerInfo {
  server_version: string
  server_version_num: number
  timescaledb: string | null
  database: string
}

export interface TableStat {
  table: string
  rows: number
  checksum: string
}

export interface HypertableStat {
  table: string
  chunks: number
}

export interface DbStats {
  server: ServerInfo
  hypertables: HypertableStat[]
  tables: TableStat[]
}

/** Parse the lines STATS_SQL printed (psql -A -t), up to `::end`. */
export function parseStats(lines: string[]): DbStats {
  const body = lines.map((l) => l.trim()).filter(Boolean)
  const end = body.indexOf('::end')
  if (end < 2) throw new Error(`unexpected output from the statistics query: ${body.slice(0, 3).join(' | ') || '(nothing)'}`)
  return {
    server: JSON.parse(body[0]!) as ServerInfo,
    hypertables: JSON.parse(body[1]!) as HypertableStat[],
    tables: body.slice(2, end).map((l) => JSON.parse(l) as TableStat),
  }
}
