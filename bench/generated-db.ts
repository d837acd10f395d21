// The benches' generated database (tests/backup/world.ts's core project): market bars in a hypertable (daily
// chunks) and job results, grown in batches to a target size.
import type { World } from '../tests/backup/world.ts'

export function createTables(w: World): void {
  w.sql(`CREATE TABLE bars (time timestamptz NOT NULL, symbol text NOT NULL, close double precision, volume bigint);
SELECT create_hypertable('bars', 'time', chunk_time_interval => interval '1 day');
CREATE TABLE results (id bigint PRIMARY KEY, job text, payload text);`)
}

/** Grow the database to about `targetMb` MB, half bars, half results; its size in bytes. */
export function grower(w: World): (targetMb: number) => number {
  let batch = 0
  return (targetMb) => {
    const have = () => Number(w.sql("SELECT pg_database_size('ktrdr')"))
    while (have() < targetMb * 1048576) {
      const b = batch++
      w.sql(
        `INSERT INTO bars SELECT timestamptz '2026-01-01' + (${b} * 200000 + g) * interval '1 second', ` +
          `'SYM' || (g % 40), random() * 100, (random() * 1e6)::bigint FROM generate_series(1, 200000) g;\n` +
          `INSERT INTO results SELECT ${b} * 100000 + g, 'job-' || (g % 97), md5(g::text || '${b}') || ` +
          `md5((g * 7)::text) || md5(random()::text) FROM generate_series(1, 100000) g;`,
      )
    }
    w.sql('VACUUM ANALYZE')
    return have()
  }
}
