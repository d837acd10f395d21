// bench (issues 7 §9, 22): on a generated database in its own core project (tests/backup/world.ts, never the
// lab's ktrdr-core), at two sizes: the toolkit's backup (pg_dump -Fc -Z zstd:1, verified, manifest) against
// `pg_dump -Fc -Z zstd:1` alone and the design's `pg_dump | gzip -6`; its restore (sha256 + pg_restore + row/chunk
// counts vs the manifest + swap) against the same pg_restore -j2 alone (a fresh database, no check, no swap) and
// `gunzip | psql`; where the toolkit's time goes (the arrival of each step's line); its peak RSS (/usr/bin/time
// -f %M: the largest process of the run's tree, node included). The baselines run inside the db container, like
// the toolkit's pg_dump. Figures only.
//   npx tsx bench/backup-size.ts   (BENCH_MB="100 1024": target sizes of the generated data; BENCH_ROUNDS=3)
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { RESTORE_PGOPTIONS } from '../lib/restore/job.ts'
import { REPO } from '../tests/helpers/config-copy.ts'
import { anchorOf } from '../tests/helpers/lab.ts'
import type { Manifest } from '../lib/backup/manifest.ts'
import { createTables, grower } from './generated-db.ts'
import { CORE, sh, world } from '../tests/backup/world.ts'

const sizes = (process.env.BENCH_MB ?? '100 1024').split(/\s+/).map(Number)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const w = world('bk-bench', { backendPort: 18300 })
const must = (r: { code: number; stdout: string; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}
const inDb = (script: string) => must(w.dc('exec', '-T', 'db', 'bash', '-c', script), script.slice(0, 60))
/**
 * Each timed step starts with a checkpoint and the page cache written back (`CHECKPOINT`, `sync`, not timed): no
 * step pays for the writes of the one before it (a restore's gigabyte, the generator's), inside the server or out.
 */
const settle = () => {
  w.sql('CHECKPOINT')
  sh('sync', [])
}
const timed = <T>(f: () => T): [T, number] => {
  settle()
  const t0 = performance.now()
  const v = f()
  return [v, (performance.now() - t0) / 1000]
}

interface Run {
  s: number
  rssMb: number
  /** Each line of the run's output with the seconds since its start when it arrived. */
  lines: { at: number; line: string }[]
}
/**
 * node dist/<script>.mjs --local on the core host (as an operator logged in there; the baselines run there too),
 * under /usr/bin/time: wall seconds, peak RSS (MB) of the toolkit's process tree, and when each line came.
 */
async function toolkit(script: string, args: string[]): Promise<Run> {
  settle()
  const t0 = performance.now()
  const p = spawn('nsenter', [
    ...['-t', anchorOf(CORE), '-n', '-m', '-u', '--', 'env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root'],
    ...['/usr/bin/time', '-f', '::rss %M', 'node', join(REPO, `dist/${script}.mjs`), '--config', w.config, '--local'],
    ...args,
  ])
  const lines: Run['lines'] = []
  let out = ''
  const take = (d: Buffer) => {
    const at = (performance.now() - t0) / 1000
    const text = d.toString()
    out += text
    for (const line of text.split('\n')) if (line.trim()) lines.push({ at, line: line.trim() })
  }
  p.stdout.on('data', take)
  p.stderr.on('data', take)
  const code = await new Promise<number>((done) => p.on('close', (c) => done(c ?? -1)))
  const s = (performance.now() - t0) / 1000
  if (code !== 0) throw new Error(`${script} failed:\n${out}`)
  return { s, rssMb: Number(/::rss (\d+)/.exec(out)![1]) / 1024, lines }
}

/** Where a run's time went: from one step's line (`› step`) to the next, the start and the end included. */
function breakdown(r: Run): string {
  const marks = [{ at: 0, name: 'start (node, config, survey)' }]
  for (const l of r.lines) {
    const m = /^›\s+(\S+)$/.exec(l.line)
    if (m && marks.at(-1)!.name !== m[1]) marks.push({ at: l.at, name: m[1]! })
  }
  marks.push({ at: r.s, name: 'end' })
  return marks
    .slice(0, -1)
    .map((m, i) => `${m.name} ${(marks[i + 1]!.at - m.at).toFixed(2)}`)
    .join(', ')
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
    // Rounds of pairs, the toolkit and its baseline side by side, each pair on the same data; medians reported.
    const pairs: { bk: Run; dumpAlone: number; rs: Run; restoreAlone: number; aloneRows: string }[] = []
    let manifest: Manifest | undefined
    for (let round = 0; round < rounds; round++) {
      if (existsSync(w.backups))
        for (const f of readdirSync(w.backups)) rmSync(join(w.backups, f), { recursive: true, force: true })
      const bk = await toolkit('backup', [])
      manifest = JSON.parse(
        readFileSync(join(w.backups, readdirSync(w.backups).find((f) => f.endsWith('.manifest.json'))!), 'utf8'),
      )
      const [, dumpAlone] = timed(() =>
        inDb('pg_dump -U ktrdr -d ktrdr -Fc -Z zstd:1 -f /mnt/shared/db-backups/alone.dump 2>/dev/null'),
      )
      const rs = await toolkit('restore', ['--yes'])
      must(w.make('restore-cleanup', { YES: '1' }), 'restore-cleanup') // the replaced copy the restore kept
      // The same pg_restore as the toolkit's (TimescaleDB's catalog data first, serially: -j2 alone breaks its
      // foreign keys; the same session settings), into a fresh database: no sha256, no counts, no swap.
      const [, restoreAlone] = timed(() =>
        inDb(`set -eo pipefail
export PGOPTIONS='${RESTORE_PGOPTIONS}'
f=/mnt/shared/db-backups/alone.dump
psql -X -q -U ktrdr -d postgres -c 'CREATE DATABASE bench_alone TEMPLATE template0'
psql -X -q -U ktrdr -d bench_alone -c 'CREATE EXTENSION timescaledb' -c 'SELECT timescaledb_pre_restore()' >/dev/null
pg_restore -l "$f" | grep -v " TABLE DATA _timescaledb_catalog " > /tmp/alone.toc
pg_restore --exit-on-error -U ktrdr -d bench_alone --section=pre-data "$f"
pg_restore --exit-on-error -U ktrdr -d bench_alone --section=data -n _timescaledb_catalog "$f"
pg_restore --exit-on-error -j 2 -U ktrdr -d bench_alone --section=data --section=post-data -L /tmp/alone.toc "$f"
psql -X -q -U ktrdr -d bench_alone -c 'SELECT timescaledb_post_restore()' >/dev/null`),
      )
      const aloneRows = w.sql('SELECT count(*) FROM bars', 'bench_alone')
      inDb("psql -X -q -U ktrdr -d postgres -c 'DROP DATABASE bench_alone'; rm -f /mnt/shared/db-backups/alone.dump")
      pairs.push({ bk, dumpAlone, rs, restoreAlone, aloneRows })
    }
    const med = (f: (p: (typeof pairs)[number]) => number) => median(pairs.map(f))
    const [bkS, dumpS, rsS, restoreS] = [
      med((p) => p.bk.s),
      med((p) => p.dumpAlone),
      med((p) => p.rs.s),
      med((p) => p.restoreAlone),
    ]
    const bk = pairs.find((p) => p.bk.s === bkS)!.bk
    const rs = pairs.find((p) => p.rs.s === rsS)!.rs
    const all = (f: (p: (typeof pairs)[number]) => number) => pairs.map((p) => f(p).toFixed(1)).join('/')
    // The design's pair, once: pg_dump | gzip -6, then gunzip | psql.
    const [, gzS] = timed(() =>
      inDb('set -o pipefail; pg_dump -U ktrdr -d ktrdr 2>/dev/null | gzip -6 > /mnt/shared/db-backups/plain.sql.gz'),
    )
    const gzBytes = Number(inDb('stat -c %s /mnt/shared/db-backups/plain.sql.gz'))
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
        `${manifest!.hypertables[0]?.chunks} chunks, ` +
        `results ${manifest!.tables.find((t) => t.table === 'public.results')!.rows} rows); ` +
        `${rounds} rounds, medians (each round's figures after them)`,
      `  backup   toolkit ${bkS.toFixed(1)} s [${all((p) => p.bk.s)}], ${mb(manifest!.dump.size)} ` +
        `(+ roles, manifest; includes row checksums, full read, sha256)   ` +
        `pg_dump -Fc -Z zstd:1 alone ${dumpS.toFixed(1)} s [${all((p) => p.dumpAlone)}] → ` +
        `${ratio(bkS, dumpS)} its time (per round ${pairs.map((p) => ratio(p.bk.s, p.dumpAlone)).join(' ')})   ` +
        `pg_dump|gzip -6 ${gzS.toFixed(1)} s, ${mb(gzBytes)} → ${ratio(gzS, bkS)} faster, ` +
        `${ratio(manifest!.dump.size, gzBytes)} the size`,
      `           where it goes (s, the median run): ${breakdown(bk)}`,
      `  restore  toolkit ${rsS.toFixed(1)} s [${all((p) => p.rs.s)}] (sha256 + pg_restore -j2 + row/chunk counts vs ` +
        `manifest + swap)   pg_restore -j2 alone ${restoreS.toFixed(1)} s [${all((p) => p.restoreAlone)}] ` +
        `(bars ${pairs[0]!.aloneRows} rows) → ${ratio(rsS, restoreS)} its time ` +
        `(per round ${pairs.map((p) => ratio(p.rs.s, p.restoreAlone)).join(' ')})   ` +
        `gunzip|psql ${plainS.toFixed(1)} s (bars ${plainRows} rows) → ${ratio(rsS, plainS)} the time`,
      `           where it goes (s, the median run): ${breakdown(rs)}`,
      `  peak RSS of the toolkit (node + bash + docker exec, largest process): ` +
        `backup ${pairs.map((p) => p.bk.rssMb.toFixed(0)).join('/')} MB, ` +
        `restore ${pairs.map((p) => p.rs.rssMb.toFixed(0)).join('/')} MB`,
    )
    console.log(rows.slice(-6).join('\n'))
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
