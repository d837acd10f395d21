// bench (issue 7 §9): on a generated database in its own core project (tests/backup/world.ts, never the
// lab's ktrdr-core), at two sizes: the toolkit's backup (pg_dump -Fc -Z zstd:1, verified, manifest) vs the
// design's `pg_dump | gzip -6`, its restore (sha256 + pg_restore + row/chunk counts vs the manifest + swap) vs
// `gunzip | psql`, and the toolkit's peak RSS (/usr/bin/time -f %M: the largest process of the run's tree,
// node included). Both baselines run inside the db container, like the toolkit's pg_dump. Figures only.
//   npx tsx bench/backup-size.ts                     (BENCH_MB="100 1024": target sizes of the generated data)
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { REPO } from '../tests/helpers/config-copy.ts'
import { createTables, grower } from './generated-db.ts'
import { sh, world } from '../tests/backup/world.ts'

const sizes = (process.env.BENCH_MB ?? '100 1024').split(/\s+/).map(Number)
const w = world('bk-bench', { backendPort: 18300 })
const must = (r: { code: number; stdout: string; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}
const inDb = (script: string) => must(w.dc('exec', '-T', 'db', 'bash', '-c', script), script.slice(0, 60))
/**
 * Each timed step starts with the page cache written back (`sync`, not timed): no step pays for the writes of the
 * one before it.
 */
const timed = <T>(f: () => T): [T, number] => {
  sh('sync', [])
  const t0 = performance.now()
  const v = f()
  return [v, (performance.now() - t0) / 1000]
}
/**
 * node dist/<script>.mjs --local on the core host (as an operator logged in there; the baselines run there too),
 * under /usr/bin/time: wall seconds and peak RSS (MB) of the toolkit's process tree.
 */
const toolkit = (script: string, args: string[]): { s: number; rssMb: number } => {
  const [r, s] = timed(() =>
    w.onCore([
      '/usr/bin/time',
      '-f',
      '::rss %M',
      'node',
      join(REPO, `dist/${script}.mjs`),
      '--config',
      w.config,
      '--local',
      ...args,
    ]),
  )
  must(r, script)
  return { s, rssMb: Number(/::rss (\d+)/.exec(r.stderr)![1]) / 1024 }
}
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`

const grow = grower(w)

try {
  sh('make', ['-s', 'setup'])
  w.dbUp()
  createTables(w)
  const rows: string[] = []
  for (const target of sizes) {
    const dbBytes = grow(target)
    if (existsSync(w.backups))
      for (const f of readdirSync(w.backups)) rmSync(join(w.backups, f), { recursive: true, force: true })
    const bk = toolkit('backup', [])
    const manifest = JSON.parse(
      readFileSync(join(w.backups, readdirSync(w.backups).find((f) => f.endsWith('.manifest.json'))!), 'utf8'),
    )
    const [, gzS] = timed(() =>
      inDb('set -o pipefail; pg_dump -U ktrdr -d ktrdr 2>/dev/null | gzip -6 > /mnt/shared/db-backups/plain.sql.gz'),
    )
    const gzBytes = Number(inDb('stat -c %s /mnt/shared/db-backups/plain.sql.gz'))
    const rs = toolkit('restore', ['--yes'])
    must(w.make('restore-cleanup', { YES: '1' }), 'restore-cleanup') // the replaced copy the restore kept
    // The design's restore: a fresh database, Timescale's pre/post restore around the plain SQL through psql.
    const [, plainS] = timed(() =>
      inDb(`set -o pipefail
psql -X -q -U ktrdr -d postgres -c 'CREATE DATABASE bench_plain'
psql -X -q -U ktrdr -d bench_plain -c 'CREATE EXTENSION timescaledb' -c 'SELECT timescaledb_pre_restore()' >/dev/null
gunzip -c /mnt/shared/db-backups/plain.sql.gz | psql -X -q -U ktrdr -d bench_plain >/dev/null 2>/tmp/plain.err || true
psql -X -q -U ktrdr -d bench_plain -c 'SELECT timescaledb_post_restore()' >/dev/null`),
    )
    const plainRows = w.sql('SELECT count(*) FROM bars', 'bench_plain')
    const liveRows = w.sql('SELECT count(*) FROM bars')
    inDb("psql -X -q -U ktrdr -d postgres -c 'DROP DATABASE bench_plain'; rm -f /mnt/shared/db-backups/plain.sql.gz")
    rows.push(
      `database ${mb(dbBytes)} (pg_database_size; bars ${liveRows} rows in ` +
        `${manifest.hypertables[0]?.chunks} chunks, ` +
        `results ${manifest.tables.find((t: { table: string }) => t.table === 'public.results').rows} rows)`,
      `  backup   toolkit ${bk.s.toFixed(1)} s, ${mb(manifest.dump.size)} ` +
        `(+ roles, manifest; includes row checksums, full read, sha256)   ` +
        `pg_dump|gzip -6 ${gzS.toFixed(1)} s, ${mb(gzBytes)}   ` +
        `→ ${ratio(gzS, bk.s)} faster, ${ratio(manifest.dump.size, gzBytes)} the size`,
      `  restore  toolkit ${rs.s.toFixed(1)} s (sha256 + pg_restore -j2 + row/chunk counts vs manifest + swap)   ` +
        `gunzip|psql ${plainS.toFixed(1)} s (bars ${plainRows} rows)   ` +
        `→ ${ratio(rs.s, plainS)} the time`,
      `  peak RSS of the toolkit (node + bash + docker exec, largest process): ` +
        `backup ${bk.rssMb.toFixed(0)} MB, restore ${rs.rssMb.toFixed(0)} MB`,
    )
    console.log(rows.slice(-4).join('\n'))
  }
  console.log(
    `\nbackup-size bench, ${new Date().toISOString()}, ${sh('nproc', []).stdout.trim()} cores, ` +
      `PostgreSQL ${w.sql('SHOW server_version')}, ` +
      `TimescaleDB ${w.sql("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")}` +
      `\n${rows.join('\n')}`,
  )
} finally {
  w.down()
}
