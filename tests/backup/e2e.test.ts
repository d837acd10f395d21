// Backup and restore end to end in the lab, on real PostgreSQL 17 + TimescaleDB 2.19 (Apache edition),
// through the real entry points, plus the faults: pg_dump killed, disk full, truncated dump, TimescaleDB
// version mismatch, restore interrupted. After each fault: a clear message, the live database as it was,
// and nothing in the backups directory that looks like a backup.
import { spawn, spawnSync } from 'node:child_process'
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import type { Manifest } from '../../lib/backup/manifest.ts'
import { CHECKSUM_ALGORITHM, CHECKSUM_ALGORITHMS } from '../../lib/backup/stats-sql.ts'
import { anchorOf, holdLock } from '../helpers/lab.ts'
import { CORE, SEED_SQL, sh, TAG, world } from './world.ts'

const w = world()
// notes has json and point columns (no hash opclass): its checksum takes the text form.
const TABLES = ['public.bars', 'public.results', 'public.strategies', 'public."Odd Name"', 'public.notes']
const fingerprint = () =>
  TABLES.map((t) =>
    w.sql(
      `SELECT '${t.replace(/'/g, "''")} ' || count(*) || ' ' || ` +
        `coalesce(sum(hashtextextended(x::text, 0)), 0) FROM ${t} x`,
    ),
  ).join('\n')
const listing = (dir = w.backups) => (existsSync(dir) ? readdirSync(dir).sort() : [])
const node = (script: string, args: string[], config = w.config) =>
  sh('node', [join(REPO, `dist/${script}.mjs`), '--config', config, ...args])
const inContainer = (...args: string[]) => w.dc('exec', '-T', 'db', ...args)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let compression = 'not tried'

test.before(() => {
  sh('make', ['-s', 'setup'])
  w.dbUp()
  w.sql(SEED_SQL)
  const r = inContainer(
    'psql',
    '-X',
    '-q',
    '-U',
    'ktrdr',
    '-d',
    'ktrdr',
    '-c',
    "ALTER TABLE bars SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol'); " +
      "SELECT compress_chunk(c) FROM show_chunks('bars') c LIMIT 2",
  )
  compression = r.code === 0 ? 'compressed 2 chunks' : `refused: ${r.stderr.trim().split('\n')[0]}`
})
test.after(() => w.down())

test('compression: the Apache edition refuses it (recorded, not faked)', () => {
  console.log(`    TimescaleDB compression: ${compression}`)
  assert.ok(compression.startsWith('compressed') || /apache/i.test(compression), compression)
})

test('backup: dump, roles and manifest, nothing partial, status OK', () => {
  const r = w.make('backup')
  assert.is(r.code, 0, r.stdout + r.stderr)
  const files = listing()
  assert.is(files.length, 3, files.join(' '))
  const manifest = JSON.parse(readFileSync(join(w.backups, files.find((f) => f.endsWith('.manifest.json'))!), 'utf8'))
  assert.is(manifest.server.timescaledb, '2.19.3')
  assert.equal(manifest.hypertables, [{ table: 'public.bars', chunks: 5 }])
  assert.is(manifest.tables.find((t: { table: string }) => t.table === 'public.results').rows, 300000)
  assert.is(manifest.dump.size, statSync(join(w.backups, manifest.dump.file)).size)
  assert.is(manifest.dump.compression, 'zstd:1')
  assert.is(manifest.checksum_algorithm, CHECKSUM_ALGORITHM)
  assert.is(manifest.tables.length, TABLES.length)
  assert.is((statSync(join(w.backups, manifest.dump.file)).mode & 0o777).toString(8), '600')
  const s = w.make('backup-status')
  assert.is(s.code, 0, s.stdout + s.stderr)
  assert.match(s.stdout, /^OK: newest verified backup ktrdr-\d{8}T\d{6}Z\.dump/)
})

test('backup-status checks the sha256 now: one flipped byte in the newest dump is DAMAGED, never "verified"', () => {
  const dump = listing().find((f) => /^ktrdr-\d{8}T\d{6}Z\.dump$/.test(f))!
  const path = join(w.backups, dump)
  const fd = openSync(path, 'r+')
  const at = Math.floor(statSync(path).size / 2)
  const byte = Buffer.alloc(1)
  readSync(fd, byte, 0, 1, at)
  try {
    writeSync(fd, Buffer.from([byte[0]! ^ 0x01]), 0, 1, at)
    const s = w.make('backup-status')
    assert.is.not(s.code, 0, s.stdout)
    assert.match(s.stdout, `NOT verified: DAMAGED: its sha256 differs from the manifest (checked now)`)
    assert.match(s.stdout, /^CRITICAL: /)
    assert.not.match(s.stdout, new RegExp(`^OK: .*${dump}`, 'm'))
  } finally {
    writeSync(fd, byte, 0, 1, at)
    closeSync(fd)
  }
  const ok = w.make('backup-status')
  assert.is(ok.code, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, `OK: newest verified backup ${dump}: `)
  assert.match(ok.stdout, '(matches its manifest, checked now)')
  // The lab's core has no systemd and no timer installed under its /etc: said, not hidden.
  assert.match(ok.stdout, 'backup timer: NOT installed on this host — make install-backup-timer')
})

test('a drill that cannot start (a long backup holds the lock) is refused and not recorded', async () => {
  const log = join(w.backups, '.drills.log')
  const before = existsSync(log) ? readFileSync(log, 'utf8') : ''
  const { child } = await holdLock(CORE, 'backups', '"backup by e2e@test pid $$ since 2026-12-06T02:00:00Z"')
  try {
    const r = w.make('backup-verify')
    assert.is.not(r.code, 0, r.stdout)
    assert.match(r.stderr, /backup by e2e@test/)
    assert.is(existsSync(log) ? readFileSync(log, 'utf8') : '', before, 'no drill line for a drill that never ran')
  } finally {
    child.kill()
  }
})

test('restore: damage, restore with YES=1, every table equal, hypertables still hypertables', () => {
  const before = fingerprint()
  w.sql(
    "DELETE FROM bars WHERE symbol = 'GBPUSD'; DROP TABLE strategies; " +
      "UPDATE results SET payload = 'x' WHERE id < 1000;",
  )
  const noTty = w.make('restore')
  assert.is.not(noTty.code, 0)
  assert.match(noTty.stderr, /no terminal to ask on.*\n.*--yes \(make: YES=1\)/)
  const r = w.make('restore', { YES: '1' })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.is(fingerprint(), before)
  assert.is(w.sql("SELECT hypertable_name || ' ' || num_chunks FROM timescaledb_information.hypertables"), 'bars 5')
  assert.is(w.sql("SELECT count(*) FROM pg_database WHERE datname ~ '_(restore|drill)_'"), '0')
  // The replaced copy is kept, renamed, as the safety copy (no dump inside the swap): the damage is in it.
  const kept = w.sql("SELECT datname FROM pg_database WHERE datname ~ '^ktrdr_old_[0-9]{8}t[0-9]{6}z$'")
  assert.match(kept, /^ktrdr_old_\d{8}t\d{6}z$/)
  assert.match(r.stdout, `the previous contents are kept as the database ${kept} (make restore-cleanup drops it)`)
  assert.not.ok(
    listing().some((f) => f.includes('pre-restore')),
    'no safety dump is taken inside the swap',
  )
  const strategies = "SELECT count(*) FROM pg_tables WHERE tablename = 'strategies'"
  assert.is(w.sql(strategies, kept), '0', 'the kept copy is the database as it was, damage and all')
  assert.is(w.sql(strategies), '1')
})

test('restore-cleanup: lists the kept copy, refuses without YES=1 and a terminal, drops it with YES=1', () => {
  const listed = w.make('restore-cleanup', { LIST: '1' })
  assert.is(listed.code, 0, listed.stdout + listed.stderr)
  assert.match(
    listed.stdout,
    /replaced copies of "ktrdr" on .*, kept by restores:\n {2}ktrdr_old_\d{8}t\d{6}z {2}\d+\.\d MB/,
  )
  const noTty = w.make('restore-cleanup')
  assert.is.not(noTty.code, 0)
  assert.match(noTty.stderr, /no terminal to ask on.*\n.*--yes \(make: YES=1\)/)
  assert.is(w.sql("SELECT count(*) FROM pg_database WHERE datname ~ '_old_'"), '1', 'refused: nothing dropped')
  const r = w.make('restore-cleanup', { YES: '1' })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /dropped ktrdr_old_\d{8}t\d{6}z: \d+\.\d MB freed/)
  assert.is(w.sql("SELECT count(*) FROM pg_database WHERE datname ~ '_old_'"), '0')
  const again = w.make('restore-cleanup', { YES: '1' })
  assert.is(again.code, 0)
  assert.match(again.stdout, 'no replaced copy of "ktrdr" on ')
})

const lockDuringSwap =
  "one lock per host: deploy-core during a restore's swap is refused, naming the restore; the restore completes"
test(lockDuringSwap, async () => {
  const before = fingerprint()
  // A session on the postgres database holds a lock on database ktrdr (a COMMENT ON it in an open transaction):
  // the swap's RENAME of ktrdr waits on it — inside the swap's phase, its locks held.
  const holder = spawn(
    'nsenter',
    [
      ...['-t', anchorOf(CORE), '-n', '-m', '-u', '--'],
      ...[
        'docker',
        'compose',
        '-f',
        w.compose,
        'exec',
        '-T',
        'db',
        'psql',
        '-X',
        '-q',
        '-U',
        'ktrdr',
        '-d',
        'postgres',
      ],
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  )
  holder.stdin.end("BEGIN;\nCOMMENT ON DATABASE ktrdr IS 'held';\nSELECT pg_sleep(600) AS ktrdr_holder;\n")
  const p = spawn('node', [join(REPO, 'dist/restore.mjs'), '--config', w.config, '--yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...w.env },
  })
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  p.stderr.on('data', (d) => (out += d))
  const done = new Promise<number>((r) => p.on('close', (c) => r(c ?? -1)))
  const waiting = () =>
    w.sql(
      "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'ALTER DATABASE%'",
      'postgres',
    )
  try {
    for (let i = 0; i < 600 && waiting() !== '1'; i++) await sleep(100)
    assert.is(waiting(), '1', `the swap never reached its ALTER DATABASE:\n${out}`)
    const d = w.make('deploy-core', { SERVICE: 'db', TAG })
    assert.is.not(d.code, 0)
    assert.match(
      d.stdout + d.stderr,
      /core: refused — held by restore by backup-e2e@test pid \d+ since \S+/,
      d.stdout + d.stderr,
    )
  } finally {
    w.sql(
      'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity ' +
        "WHERE query LIKE '%ktrdr_holder%' AND pid <> pg_backend_pid()",
      'postgres',
    )
    holder.kill()
    await done
  }
  assert.is(await done, 0, out)
  assert.match(out, /Swap ktrdr_restore_\S+ in as ktrdr/)
  assert.is(fingerprint(), before)
})

test('backup-verify: drill passes; a manifest that disagrees fails non-zero', () => {
  const ok = w.make('backup-verify')
  assert.is(ok.code, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /public\.results\s+300000 rows/)
  const base = listing()
    .find((f) => /^ktrdr-\d{8}T\d{6}Z\.manifest\.json$/.test(f))!
    .replace('.manifest.json', '')
  const twin = copyBackup(base, 'ktrdr-20200101T000000Z', (m) => {
    m.tables[0]!.rows += 1
  })
  const bad = w.make('backup-verify', { FILE: `${twin}.dump` })
  assert.is.not(bad.code, 0)
  assert.match(bad.stdout + bad.stderr, /MISMATCH/)
  // Each drill's result is kept beside the backups: status says when each was drilled, and the one whose drill
  // failed is not verified any more (nor chosen by a restore).
  const s = w.make('backup-status')
  assert.match(
    s.stdout,
    new RegExp(
      `^restore drill: last run \\S+ \\([\\d.]+ h ago\\) on ${twin}\\.dump: FAILED \\(drill: the restored copy differs`,
      'm',
    ),
    s.stdout + s.stderr,
  )
  assert.match(
    s.stdout,
    new RegExp(`${base}\\.dump {2}verified: sha256 matches its manifest \\(checked now\\); restore drill passed `),
  )
  assert.match(
    s.stdout,
    new RegExp(`${twin}\\.dump {2}NOT verified: its last restore drill failed \\(\\S+\\): drill: the restored copy`),
  )
  const log = readFileSync(join(w.backups, '.drills.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(
    log.slice(-2).map((d) => [d.file, d.result]),
    [
      [`${base}.dump`, 'passed'],
      [`${twin}.dump`, 'failed'],
    ],
  )
  removeBackup(twin)
})

test('checksums: the drill compares them (a table with json/point columns too); restore does with CHECKSUMS=1', () => {
  const before = { fp: fingerprint(), dbs: w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database") }
  const twin = copyBackup(daily(), 'ktrdr-20200105T000000Z', (m) => {
    m.tables.find((t) => t.table === 'public.notes')!.checksum = '12345'
  })
  const drill = w.make('backup-verify', { FILE: `${twin}.dump` })
  assert.is.not(drill.code, 0)
  assert.match(
    drill.stdout + drill.stderr,
    /public\.notes\s+50 rows, checksum 12345\s+50 rows, checksum -?\d+\s+<-- MISMATCH/,
  )
  const r = w.make('restore', { YES: '1', FILE: `${twin}.dump`, CHECKSUMS: '1' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, /differs from the manifest in 1 place\(s\); the live database ktrdr is unchanged/)
  assert.is(fingerprint(), before.fp)
  assert.is(w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"), before.dbs)
  removeBackup(twin)
})

const olderManifest =
  'an older manifest (text-form checksums) still verifies; an unknown algorithm is refused before anything runs'
test(olderManifest, () => {
  const textSum = (t: string) => w.sql(`SELECT coalesce(sum(hashtextextended(x::text, 0)), 0) FROM ${t} x`)
  // The current algorithm, computed here the plain way (whole-row references, dropped columns included in
  // bars and "Odd Name"): the manifest's values must be exactly these.
  const recordSum = (t: string) =>
    t === 'public.notes' ? textSum(t) : w.sql(`SELECT coalesce(sum(hash_record_extended(x, 0)), 0) FROM ${t} x`)
  const current = JSON.parse(readFileSync(join(w.backups, `${daily()}.manifest.json`), 'utf8'))
  for (const t of current.tables) assert.is(t.checksum, recordSum(t.table), t.table)
  const old = copyBackup(daily(), 'ktrdr-20200106T000000Z', (m) => {
    m.checksum_algorithm = CHECKSUM_ALGORITHMS.text
    // the live database holds what the backup holds (restored above)
    for (const t of m.tables) t.checksum = textSum(t.table)
  })
  const ok = w.make('backup-verify', { FILE: `${old}.dump` })
  assert.is(ok.code, 0, ok.stdout + ok.stderr)
  const future = copyBackup(daily(), 'ktrdr-20200107T000000Z', (m) => (m.checksum_algorithm = 'sha3 of the moon'))
  const bad = w.make('backup-verify', { FILE: `${future}.dump` })
  assert.is.not(bad.code, 0)
  assert.match(
    bad.stdout + bad.stderr,
    /checksum algorithm is unknown to this ktrdr-ops: "sha3 of the moon"; nothing was changed/,
  )
  assert.is(w.sql("SELECT count(*) FROM pg_database WHERE datname ~ '_drill_'"), '0')
  removeBackup(old)
  removeBackup(future)
})

/** Copy a backup under another name, editing its manifest (the dump itself is untouched). */
function copyBackup(base: string, to: string, edit: (m: Manifest) => void): string {
  for (const ext of ['dump', 'roles.sql'])
    copyFileSync(join(w.backups, `${base}.${ext}`), join(w.backups, `${to}.${ext}`))
  const m = JSON.parse(readFileSync(join(w.backups, `${base}.manifest.json`), 'utf8'))
  m.dump.file = `${to}.dump`
  m.roles.file = `${to}.roles.sql`
  edit(m)
  writeFileSync(join(w.backups, `${to}.manifest.json`), JSON.stringify(m))
  return to
}
function removeBackup(base: string): void {
  sh('bash', ['-c', `rm -f ${join(w.backups, base)}.*`])
}
const daily = () =>
  listing()
    .find((f) => /^ktrdr-\d{8}T\d{6}Z\.manifest\.json$/.test(f) && !f.startsWith('ktrdr-2020'))!
    .replace('.manifest.json', '')

test('fault: pg_dump killed mid-stream → failed, nothing left, live untouched', async () => {
  const before = { fp: fingerprint(), files: listing() }
  const p = spawn('node', [join(REPO, 'dist/backup.mjs'), '--config', w.config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  p.stderr.on('data', (d) => (out += d))
  const done = new Promise<number>((r) => p.on('close', (c) => r(c ?? -1)))
  // Inside the container (no exec latency per look): once the partial dump has bytes, stop pg_dump where it
  // is — it cannot finish first, however small the database — then kill it.
  const k = inContainer(
    'bash',
    '-c',
    `for i in $(seq 6000); do
    for f in /mnt/shared/db-backups/.partial-*.dump; do [ -s "$f" ] && pkill -STOP -x pg_dump ` +
      `&& pkill -KILL -x pg_dump && exit 0; done
    sleep 0.005
  done; exit 1`,
  )
  assert.is(k.code, 0, `pg_dump was running, mid-stream, when killed: ${k.stderr}`)
  const code = await done
  assert.is.not(code, 0)
  assert.match(out, "pg_dump failed: it was killed (SIGKILL: the kernel's out-of-memory killer, or a kill -9)")
  assert.not.match(out, /line 1: *\d+ Killed/)
  assert.equal(listing(), before.files)
  assert.is(fingerprint(), before.fp)
})

test('fault: the shared mount is gone (an empty mount point) → backup and status refuse, nothing written', () => {
  w.unmountShared()
  try {
    for (const target of ['backup', 'backup-status']) {
      const r = w.make(target)
      assert.is.not(r.code, 0, r.stdout)
      assert.match(r.stderr, `the shared mount /mnt/${w.project} is not mounted on this host`)
    }
    assert.equal(w.onCore(['ls', '-A', `/mnt/${w.project}`]).stdout, '', "nothing written to the host's own disk")
  } finally {
    w.mountShared()
    // A container keeps the mounts it started with: the db sees the export again once restarted.
    w.dc('restart', '-t', '10', 'db')
    for (let i = 0; i < 60 && w.dc('exec', '-T', 'db', 'pg_isready', '-q').code !== 0; i++) spawnSync('sleep', ['0.5'])
  }
  assert.ok(listing().length > 0, 'the backups are there again once the mount is back')
})

test('fault: backups directory full (2 MB tmpfs) → failed, nothing left, live untouched', () => {
  const before = fingerprint()
  const r = node('backup', [], w.smallConfig)
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /No space left on device/)
  assert.equal(listing(w.small), [])
  assert.is(fingerprint(), before)
})

test('fault: truncated dump (manifest says verified, sha256 disagrees) → refused before anything changes', () => {
  const before = { fp: fingerprint(), dbs: w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database") }
  const twin = copyBackup(daily(), 'ktrdr-20200102T000000Z', () => {})
  const dump = join(w.backups, `${twin}.dump`)
  truncateSync(dump, Math.floor(statSync(dump).size / 2))
  const listed = node('restore', ['--list'])
  assert.match(listed.stdout, /ktrdr-20200102T000000Z\.dump\s+NOT verified: size \d+ differs from the manifest's/)
  const m = JSON.parse(readFileSync(join(w.backups, `${twin}.manifest.json`), 'utf8'))
  m.dump.size = statSync(dump).size // a manifest that agrees on size: only the checksum can tell
  writeFileSync(join(w.backups, `${twin}.manifest.json`), JSON.stringify(m))
  const r = node('restore', ['--yes', '--file', `${twin}.dump`])
  assert.is(r.code, 65, r.stdout + r.stderr)
  assert.match(
    r.stderr,
    /ktrdr-20200102T000000Z\.dump is damaged: sha256 differs from the manifest's.*nothing was changed/,
  )
  assert.is(fingerprint(), before.fp)
  assert.is(w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"), before.dbs)
  removeBackup(twin)
})

test('fault: a plain .sql.gz cut short (passes gzip -t) → refused', () => {
  const before = fingerprint()
  const gz = join(w.backups, 'ktrdr-20200103.sql.gz')
  const onHost = `${w.hostBackups}/ktrdr-20200103.sql.gz`
  const r0 = w.onCore([
    'bash',
    '-c',
    `docker compose -f '${w.compose}' exec -T db pg_dump -U ktrdr -d ktrdr | head -c 3000000 ` +
      `| gzip > '${onHost}' && gzip -t '${onHost}'`,
  ])
  assert.is(r0.code, 0, r0.stderr)
  const r = node('restore', ['--yes', '--file', 'ktrdr-20200103.sql.gz'])
  assert.is(r.code, 65, r.stdout + r.stderr)
  assert.match(r.stderr, /is damaged: the SQL ends before pg_dump's closing line/)
  assert.is(fingerprint(), before)
  sh('rm', ['-f', gz])
})

test('fault: a complete .sql.gz whose gzip check fails (CRC) → refused, though its SQL ends properly', () => {
  const before = fingerprint()
  const gz = join(w.backups, 'ktrdr-20200108.sql.gz')
  const r0 = w.onCore([
    'bash',
    '-c',
    `set -o pipefail; docker compose -f '${w.compose}' exec -T db pg_dump -U ktrdr -d ktrdr ` +
      `| gzip > '${w.hostBackups}/ktrdr-20200108.sql.gz'`,
  ])
  assert.is(r0.code, 0, r0.stderr)
  const bytes = readFileSync(gz)
  // the trailer's CRC32: every byte of SQL is there, the check fails
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 8) ^ 0xff, bytes.length - 8)
  writeFileSync(gz, bytes)
  assert.is.not(sh('gzip', ['-t', gz]).code, 0, 'gzip -t sees the damage')
  const r = node('restore', ['--yes', '--file', 'ktrdr-20200108.sql.gz'])
  assert.is(r.code, 65, r.stdout + r.stderr)
  assert.match(r.stderr, /is damaged: gzip cannot read it to the end/)
  assert.is(fingerprint(), before)
  sh('rm', ['-f', gz])
})

test('fault: TimescaleDB version in the manifest differs → refusal naming both', () => {
  const before = fingerprint()
  const twin = copyBackup(daily(), 'ktrdr-20200104T000000Z', (m) => (m.server.timescaledb = '2.99.0'))
  const r = node('restore', ['--yes', '--file', `${twin}.dump`])
  assert.is(r.code, 65, r.stdout + r.stderr)
  assert.match(r.stderr, /taken with TimescaleDB 2\.99\.0, this server has TimescaleDB 2\.19\.3/)
  assert.is(fingerprint(), before)
  removeBackup(twin)
})

test('fault: restore interrupted (SIGINT) while pg_restore runs → clean stop, live untouched', async () => {
  const before = { fp: fingerprint(), dbs: w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database") }
  const files = listing()
  const p = spawn('node', [join(REPO, 'dist/restore.mjs'), '--config', w.config, '--yes', '--skip-safety-dump'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  p.stderr.on('data', (d) => (out += d))
  const done = new Promise<number>((r) => p.on('close', (c) => r(c ?? -1)))
  // Inside the container: stop pg_restore the moment it runs (it cannot finish first), interrupt the
  // toolkit, then let pg_restore go on so the TERM its trap sends takes effect.
  const k = inContainer(
    'bash',
    '-c',
    'for i in $(seq 6000); do pkill -STOP -x pg_restore && exit 0; sleep 0.005; done; exit 1',
  )
  assert.is(k.code, 0, 'pg_restore was running')
  assert.is(w.sql("SELECT count(*) FROM pg_database WHERE datname ~ '_restore_'"), '1', 'the scratch database exists')
  p.kill('SIGINT')
  await sleep(300)
  inContainer('pkill', '-CONT', '-x', 'pg_restore')
  const code = await done
  assert.is(code, 130, out)
  assert.match(out, /interrupted; the script on ktrdr-core was stopped and cleaned up after itself/)
  await sleep(1000)
  assert.is(inContainer('pgrep', '-x', 'pg_restore').code, 1, 'no pg_restore left running')
  assert.is(w.sql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"), before.dbs)
  assert.is(fingerprint(), before.fp)
  assert.equal(listing(), files)
})

test('backup-prune --dry-run: prints the plan, deletes nothing', () => {
  const files = listing()
  const r = w.make('backup-prune', { DRY_RUN: '1' })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /keep\s+ktrdr-\d{8}T\d{6}Z\s+\(.*\)\s+newest verified backup \(never deleted\)/)
  assert.is(r.stdout.match(/newest verified backup \(never deleted\)/g)?.length, 1, `the plan once:\n${r.stdout}`)
  assert.equal(listing(), files)
})

test('retention rehearsed through the product: backups aged with NOW=, the guard holds, prune deletes the old', () => {
  const day = 86_400_000
  const t0 = Date.parse('2030-01-10T02:00:00Z')
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
  const stamp = (ms: number) => iso(ms).replace(/[-:]/g, '')
  for (const ago of [40, 35, 1]) {
    const b = w.make('backup', { NOW: iso(t0 - ago * day) })
    assert.is(b.code, 0, b.stdout + b.stderr)
    // One clock: the file name and the manifest both say NOW.
    const m = JSON.parse(readFileSync(join(w.backups, `ktrdr-${stamp(t0 - ago * day)}.manifest.json`), 'utf8'))
    assert.is(m.time, iso(t0 - ago * day))
  }
  const files = listing()
  // Two replaced copies as restores keep them: 9 days before t0 (past replaced_keep_days, 7) and 1 day before.
  for (const name of ['ktrdr_old_20300101t020000z', 'ktrdr_old_20300109t020000z'])
    w.sql(`CREATE DATABASE ${name}`, 'postgres')
  const copies = () =>
    w.sql("SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database WHERE datname ~ '_old_'")
  // 27 h after the newest, backups have stopped (guard 26 h): nothing is deleted, no replaced copy dropped.
  const guarded = w.make('backup-prune', { NOW: iso(t0 - day + 27 * 3_600_000) })
  assert.is(guarded.code, 0, guarded.stdout + guarded.stderr)
  assert.match(guarded.stdout, 'guard: ')
  assert.match(guarded.stdout, 'Replaced copies kept: ')
  assert.equal(listing(), files)
  assert.match(copies(), 'ktrdr_old_20300101t020000z ktrdr_old_20300109t020000z')
  const r = w.make('backup-prune', { NOW: iso(t0) })
  assert.is(r.code, 0, r.stdout + r.stderr)
  // Past 7 days (those of this run's restores too, from 2026), dropped; within them, kept.
  assert.is(copies(), 'ktrdr_old_20300109t020000z', r.stdout)
  assert.match(r.stdout, /Dropped \d+ replaced cop(y|ies) of ktrdr/)
  assert.match(r.stdout, 'keep ktrdr_old_20300109t020000z')
  assert.is(w.make('restore-cleanup', { YES: '1' }).code, 0)
  const left = listing()
  for (const ago of [40, 35])
    assert.not.ok(
      left.some((f) => f.includes(stamp(t0 - ago * day))),
      `${ago} d kept`,
    )
  assert.ok(left.includes(`ktrdr-${stamp(t0 - day)}.dump`), 'the newest verified backup is kept')
  const bad = w.make('backup-prune', { NOW: '2030-01-10 02:00' })
  assert.is.not(bad.code, 0)
  assert.match(bad.stderr, '--now: expected an ISO 8601 time with a zone')
})

test.run()
