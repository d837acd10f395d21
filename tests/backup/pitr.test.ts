// Point-in-time recovery end to end on the lab, through the real entry points (make backup, make restore
// TIME=…), on real PostgreSQL 17 + TimescaleDB 2.19 (Apache edition: no compressed chunks to exercise) and
// Debian's pgBackRest 2.55: marker rows written at known times, the db killed and its data directory deleted,
// the cluster restored to a moment between two markers, then to the end of the archive with the loss window
// measured. The world's archive_timeout is 5 s, so the bound it sets is seen within the test.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { renderTimerUnits, TEMPLATES_DIR, TIMERS } from '../../lib/backup/timer.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { REPO } from '../helpers/config-copy.ts'
import { REGISTRY, withRegistryLogin } from '../helpers/lab.ts'
import { SEED_SQL, sh, TAG, world } from './world.ts'

const ARCHIVE_TIMEOUT = 5
// Its export a btrfs subvolume with snapshots and a second disk, as node A's: the off-node copy is rehearsed too.
const MAX_LAG = 12 // monitoring.archive_max_lag_seconds: red once WAL has waited this long for the archiver
const w = world('pitr-e2e', {
  backendPort: 18150,
  pitr: { archiveTimeout: ARCHIVE_TIMEOUT, maxLag: MAX_LAG },
  snapshots: true,
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const volume = `${w.project}_dbdata`
const mark = (n: number) => w.sql(`INSERT INTO marks VALUES (${n}, clock_timestamp()) RETURNING at`)
const marks = () => w.sql("SELECT coalesce(string_agg(n::text, ',' ORDER BY n), '') FROM marks")
const chunks = () => w.sql("SELECT count(*) FROM show_chunks('bars')")
/** Every WAL segment up to now archived (a switch, then pg_stat_archiver has it). */
async function archived(): Promise<void> {
  const wal = w.sql('SELECT pg_walfile_name(pg_current_wal_lsn())')
  w.sql('SELECT pg_switch_wal()')
  for (let i = 0; i < 100; i++) {
    if (w.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= wal) return
    await sleep(100)
  }
  throw new Error(`WAL ${wal} was not archived within 10 s: ${w.sql('SELECT * FROM pg_stat_archiver')}`)
}
/** The bad day: the db killed, its data directory emptied (the volume stays, as the LXC's disk would). */
function killAndWipe(): void {
  const id = w.dc('ps', '-q', 'db').stdout.trim()
  assert.ok(id, 'the db container')
  assert.is(w.onCore(['docker', 'kill', id]).code, 0)
  const mp = w.onCore(['docker', 'volume', 'inspect', '-f', '{{.Mountpoint}}', volume]).stdout.trim()
  assert.is(w.onCore(['find', mp, '-mindepth', '1', '-delete']).code, 0)
  assert.is(w.onCore(['find', mp, '-mindepth', '1']).stdout, '', 'the data directory is empty')
}
const restore = (time: string) => w.make('restore', { TIME: time, YES: '1' }, { timeout: 300_000 })
const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr

let chunksBefore = ''

test.before(() => {
  sh('make', ['-s', 'setup'])
  w.dbUp()
  w.sql(SEED_SQL)
  w.sql('CREATE TABLE marks (n int PRIMARY KEY, at timestamptz NOT NULL)')
  chunksBefore = chunks()
})
test.after(() => w.down())

test('archiving from the deploy on; make backup: the dump, a full base backup, then a differential one', async () => {
  await archived() // the deploy of the db set up the repository: no make backup needed for the archive
  const r = w.make('backup')
  assert.is(r.code, 0, out(r))
  assert.match(r.stdout, /Backed up ktrdr: ktrdr-\d{8}T\d{6}Z\.dump/)
  assert.match(r.stdout, /Base backup \d{8}-\d{6}F \(full\) into the pgBackRest repository/)
  const again = w.make('backup')
  assert.is(again.code, 0, out(again))
  assert.match(again.stdout, /Base backup \d{8}-\d{6}F_\d{8}-\d{6}D \(differential\)/)
})

test('make backup-status: all fresh is green (JSON=1 too), the textfile parses; red past each threshold', async () => {
  // Fresh: the dump and base backup (above), a drill, a snapshot and its copy, the archive current.
  for (const target of ['backup-verify', 'snapshot', 'snapshot-copy']) {
    const r = w.make(target)
    assert.is(r.code, 0, out(r))
  }
  await archived()
  const green = w.make('backup-status')
  assert.is(green.code, 0, out(green))
  assert.match(green.stdout, 'GREEN: 6 checks within their thresholds')
  const json = w.make('backup-status', { JSON: '1' })
  assert.is(json.code, 0, out(json))
  const j = JSON.parse(json.stdout) as { schema: string; ok: boolean; checks: Record<string, { state: string }> }
  assert.is(j.schema, 'ktrdr.backup-status/1')
  assert.equal(
    Object.entries(j.checks).map(([k, c]) => `${k} ${c.state}`),
    ['dump', 'base_backup', 'archive', 'drill', 'snapshot', 'copy'].map((k) => `${k} ok`),
  )
  // The textfile the jobs and the status wrote, checked by Prometheus's own promtool (the lab's pinned image).
  const text = readFileSync(w.textfile, 'utf8')
  assert.match(text, /^ktrdr_backup_status_ok 1$/m)
  const pin = /prometheus:\n\s+image: (\S+)/.exec(readFileSync(join(REPO, 'lab/config/stack-config.yml'), 'utf8'))![1]!
  const lint = withRegistryLogin((env) =>
    sh(
      'env',
      [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'docker', 'run', '--rm', '-i', '--network', 'none'].concat([
        '--entrypoint',
        'promtool',
        pin,
        'check',
        'metrics',
      ]),
      text,
    ),
  )
  assert.is(lint.code, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`)
  // The archiver stopped (its target unwritable for the server): red once WAL has waited MAX_LAG seconds.
  const archive = `${w.hostBackups.replace(/db-backups$/, 'pgbackrest')}/archive`
  assert.is(w.onCore(['chmod', '-R', 'a-w', archive]).code, 0)
  let red: { stdout: string } | undefined
  const stopped = Date.now()
  w.sql('CREATE TABLE churn (n int)') // writes of its own, dropped after: the markers are the other tests'
  try {
    for (let i = 0; !red && Date.now() - stopped < 4 * MAX_LAG * 1000; i++) {
      w.sql(`INSERT INTO churn VALUES (${i})`)
      w.sql('SELECT pg_switch_wal()')
      const r = w.make('backup-status') // red: exit 1, which make reports as its own 2
      if (r.code !== 0 && /^RED: /m.test(r.stdout)) red = r
      else assert.is(r.code, 0, out(r))
    }
  } finally {
    assert.is(w.onCore(['chmod', '-R', 'u+w', archive]).code, 0)
    w.sql('DROP TABLE churn')
  }
  assert.ok(red, `not red within ${4 * MAX_LAG} s of the archiver stopping`)
  const took = (Date.now() - stopped) / 1000
  console.log(`  the archiver stopped: backup-status red after ${took.toFixed(0)} s (max lag ${MAX_LAG} s)`)
  assert.match(
    red!.stdout,
    new RegExp(`RED: WAL archive: \\d+ WAL segments have waited \\d+ s for the archiver, over ${MAX_LAG} s`),
  )
  assert.match(red!.stdout, /archiving FAILS since/)
  await archived() // it catches up once it can write
  // The drill's heartbeat stopped nine days ago: red, named, with the rest green.
  const log = join(w.backups, '.drills.log')
  const drills = readFileSync(log, 'utf8')
  const old = new Date(Date.now() - 9 * 86_400_000).toISOString()
  writeFileSync(log, drills.replace(/"time":"[^"]+"/g, `"time":"${old}"`))
  try {
    const stale = w.make('backup-status')
    assert.is(stale.code, 2, out(stale))
    assert.match(stale.stdout, /RED: restore drill: last passed on ktrdr-\S+\.dump is 9\.0 d old, over 8 d$/m)
  } finally {
    writeFileSync(log, drills)
  }
})

test('TIME between two markers, the db killed and its data deleted: before present, after absent', async () => {
  mark(1)
  await sleep(1100)
  const between = w.sql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
  await sleep(1100)
  mark(2)
  await archived()
  killAndWipe()
  const r = restore(between)
  assert.is(r.code, 0, out(r))
  assert.match(r.stdout, /restorable: \S+ … \S+/)
  assert.match(r.stdout, /Restored the cluster to .*: ktrdr has \d+ tables, 1 hypertables \(\d+ chunks\)/)
  assert.is(marks(), '1', 'marker 1 (before TIME) is there, marker 2 (after) is not')
  assert.is(chunks(), chunksBefore, 'the hypertable and its chunks')
  assert.is(w.sql('SELECT count(*) FROM results'), '300000')
  // The restored cluster archives again (a new timeline), and the next base backup works on it.
  mark(3)
  await archived()
  assert.match(w.sql('SELECT last_archived_wal FROM pg_stat_archiver'), /^00000002/)
  // With the new timeline's history: without it a later restore to the end of the archive follows the old one.
  const repo = w.hostBackups.replace(/db-backups$/, 'pgbackrest')
  assert.match(w.onCore(['find', `${repo}/archive`, '-name', '00000002.history*']).stdout, /00000002\.history/)
})

test('TIME=latest after a kill: all that was archived is back; the loss window at most archive_timeout', async () => {
  // A writer: a marker every 100 ms, for two archive_timeouts, then the kill.
  let n = 100
  const written: { n: number; at: number }[] = []
  const until = Date.now() + 2 * ARCHIVE_TIMEOUT * 1000
  while (Date.now() < until) {
    n++
    written.push({ n, at: Date.parse(mark(n).replace(' ', 'T').replace(/\+00$/, 'Z')) })
    await sleep(100)
  }
  killAndWipe()
  const killed = written.at(-1)!
  const r = restore('latest')
  assert.is(r.code, 0, out(r))
  const newest = Number(w.sql('SELECT max(n) FROM marks'))
  const kept = written.find((x) => x.n === newest)
  assert.ok(kept, `the newest restored marker ${newest} is one the writer wrote`)
  const loss = (killed.at - kept.at) / 1000
  console.log(`  loss window with TIME=latest: ${loss.toFixed(1)} s (archive_timeout ${ARCHIVE_TIMEOUT} s)`)
  // The bound: archive_timeout, plus the push of the last segment and the writer's own step (seen: 0.3–5.0 s).
  assert.ok(loss <= ARCHIVE_TIMEOUT * 1.5, `lost ${loss} s of writes`)
  assert.ok(newest > 100, "the writer's markers up to the last archived segment are back")
  assert.is(marks().split(',').slice(0, 2).join(','), '1,3', 'and everything before them')
})

test('a bad migration on the running db: TIME before it, the live cluster kept, then restore-cleanup', async () => {
  mark(500)
  await sleep(1100)
  const before = w.sql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
  await sleep(1100)
  w.sql('DROP TABLE results')
  await archived()
  const r = restore(before)
  assert.is(r.code, 0, out(r))
  const kept = /the replaced cluster is kept as \.ktrdr-side\/(replaced-\d{8}t\d{6}z) in the db volume/.exec(r.stdout)
  assert.ok(kept, r.stdout)
  assert.is(w.sql('SELECT count(*) FROM results'), '300000', 'the dropped table is back')
  assert.match(marks(), /,500$/)
  // Eight days on, past backups.replaced_keep_days (7), the prune would remove it (with a backup of that day:
  // without one the prune is guarded and removes nothing); restore-cleanup does it now.
  const later = new Date(Date.now() + 8 * 86_400_000).toISOString()
  const dump = w.make('backup', { NOW: later, DUMP_ONLY: '1' })
  assert.is(dump.code, 0, out(dump))
  assert.not.match(dump.stdout, /Base backup/, 'DUMP_ONLY=1: the dump alone')
  const plan = w.make('backup-prune', { DRY_RUN: '1', NOW: later })
  assert.is(plan.code, 0, out(plan))
  assert.match(plan.stdout, new RegExp(`remove ${kept[1]}`))
  const list = w.make('restore-cleanup', { LIST: '1' })
  assert.is(list.code, 0, out(list))
  assert.match(
    list.stdout,
    new RegExp(`clusters kept by point-in-time restores[^\\n]*\\n\\s+${kept[1]}\\s+\\d+\\.\\d MB`),
  )
  const clean = w.make('restore-cleanup', { YES: '1' })
  assert.is(clean.code, 0, out(clean))
  assert.match(clean.stdout, new RegExp(`dropped ${kept[1]}`))
  const after = w.make('restore-cleanup', { LIST: '1' })
  assert.match(after.stdout, /no replaced copy of "ktrdr" and no kept cluster/)
})

test('bad TIME: no zone, the future, before the oldest base backup: refused, the range named, nothing touched', () => {
  const before = marks()
  for (const [time, re] of [
    ['2026-12-01 10:42:00', /has no zone/],
    ['2999-01-01 00:00:00+00', /in the future/],
    ['2000-01-01 00:00:00+00', /outside the range this repository can restore: \S+ … \S+/],
  ] as const) {
    const r = restore(time)
    assert.is(r.code, 2, out(r))
    assert.match(out(r), re)
    assert.not.match(r.stdout, /Swap it in/)
  }
  assert.is(marks(), before, 'the live database as it was')
})

test('a damaged WAL segment, then a damaged base backup file: refused before anything changes, the file named', () => {
  const repo = w.hostBackups.replace(/db-backups$/, 'pgbackrest')
  const find = (dir: string, re: RegExp) =>
    w
      .onCore(['find', `${repo}/${dir}`, '-type', 'f'])
      .stdout.split('\n')
      .filter((f) => re.test(f))
      .sort()
  const before = marks()
  for (const file of [
    find('archive', /\/[0-9A-F]{24}-[0-9a-f]{40}\.zst$/).at(-2)!,
    find('backup', /F\/bundle\/\d+$/)[0]!,
  ]) {
    assert.ok(file, 'a file to damage')
    assert.is(w.onCore(['cp', '-p', file, `${file}.good`]).code, 0)
    const damage = `printf XXXXXXXX | dd of='${file}' bs=1 seek=64 conv=notrunc status=none`
    assert.is(w.onCore(['bash', '-c', damage]).code, 0)
    const r = restore('latest')
    assert.is(w.onCore(['mv', '-f', `${file}.good`, file]).code, 0)
    assert.match(r.stderr, /Error 65/, out(r))
    assert.match(out(r), `the pgBackRest repository is damaged: ${file}; nothing was changed`)
    assert.not.match(r.stdout, /Swap it in/)
    assert.is(marks(), before, 'the live database as it was')
  }
})

test("node A gone: the hourly job's copy is the new export; make restore TIME=latest from it", async () => {
  // The hourly job exactly as make install-snapshot-timer installs it for this config (copy_to set: snapshot,
  // prune, then the copy), each ExecStart run on the core host from a ktrdr-ops checkout, as systemd would.
  const unit = renderTimerUnits(loadConfig(w.config), TEMPLATES_DIR, REPO, TIMERS.snapshot).service
  const job = unit
    .split('\n')
    .filter((l) => l.startsWith('ExecStart='))
    .map((l) => l.slice('ExecStart='.length))
  assert.equal(
    job.map((l) => /dist\/([a-z-]+)\.mjs/.exec(l)?.[1]),
    ['snapshot', 'snapshot-prune', 'snapshot-copy'],
  )
  mark(700)
  await archived()
  const dumps = readdirSync(w.backups).filter((f) => f.endsWith('.dump'))
  assert.ok(dumps.length > 0, 'dumps to carry over')
  for (const cmd of job) {
    const r = w.onCore(['bash', '--norc', '-c', `cd '${REPO}' && NO_COLOR=1 CI=1 exec ${cmd}`])
    assert.is(r.code, 0, out(r))
  }
  const copies = w.onCore(['ls', w.copyDir!]).stdout.split('\n').filter(Boolean)
  assert.ok(copies.length > 0, 'a copy on the second disk')
  const copied = Date.now()
  mark(701) // after the copy: in node A's repository only, lost with it
  await archived()
  // The bad day: the db killed with its data, and node A's disk gone: the export and its snapshots.
  killAndWipe()
  w.unmountShared()
  for (const snap of w.onCore(['ls', w.snapshotDir!]).stdout.split('\n').filter(Boolean))
    assert.is(w.onCore(['btrfs', 'subvolume', 'delete', `${w.snapshotDir}/${snap}`]).code, 0)
  assert.is(w.onCore(['btrfs', 'subvolume', 'delete', w.exportDir!]).code, 0)
  // docs/runbook.md, "Node A's disk is gone", on a new disk: the newest copy sent from the second disk and
  // received there, a writable snapshot of it the new export, mounted again; then scenario B with point-in-time
  // recovery: a fresh db, make restore TIME=latest.
  const disk = dirname(w.exportDir!)
  const name = copies.at(-1)!
  const renew =
    `btrfs send -q '${w.copyDir}/${name}' | btrfs receive '${disk}' && ` +
    `btrfs subvolume snapshot '${disk}/${name}' '${w.exportDir}' && btrfs subvolume delete '${disk}/${name}'`
  const mk = w.onCore(['bash', '--norc', '-c', renew])
  assert.is(mk.code, 0, out(mk))
  w.mountShared()
  assert.equal(
    readdirSync(w.backups).filter((f) => f.endsWith('.dump')),
    dumps,
    'the dumps came with the copy',
  )
  w.dbUp()
  const r = restore('latest')
  assert.is(r.code, 0, out(r))
  assert.match(r.stdout, /Restored the cluster to .*: ktrdr has \d+ tables, 1 hypertables \(\d+ chunks\)/)
  assert.match(marks(), /,700$/, 'everything archived before the copy is back; 701, written after it, is not')
  assert.is(chunks(), chunksBefore, 'the hypertable and its chunks')
  console.log(`  node A gone: lost the writes after the copy (${((Date.now() - copied) / 1000).toFixed(0)} s here)`)
  // The restored cluster archives on into the new export's repository.
  mark(702)
  await archived()
})

test('a new db pin: another PostgreSQL major refused before anything changes; a new image of the same major', () => {
  const stack = join(w.config, 'stack-config.yml')
  const text = readFileSync(stack, 'utf8')
  const pin = /image: (registry\.internal\/ktrdr-lab\/timescaledb):2\.19\.3-pg17/.exec(text)
  assert.ok(pin, 'the lab pin')
  const repin = (tag: string) => writeFileSync(stack, text.replace(pin[0], `image: ${pin[1]}:${tag}`))
  const db = () => w.dc('ps', '-q', 'db').stdout.trim()
  const before = { id: db(), marks: marks() }
  try {
    repin('2.19.3-pg16')
    const r = w.make('deploy-core', { SERVICE: 'db', TAG })
    assert.is.not(r.code, 0, out(r))
    assert.match(
      out(r),
      `ktrdr-db:2.19.3-pg16 is PostgreSQL 16, and the data directory in ${w.project}_dbdata is PostgreSQL 17`,
    )
    assert.match(out(r), 'takes the dump-and-restore path')
    assert.is(db(), before.id, 'the db container untouched')
    assert.is(marks(), before.marks)
    // The same major, a new image (the pin with pgBackRest rebuilt: another digest).
    const variant = `${REGISTRY}/ktrdr-db:2.19.3-pg17-e2e`
    sh('docker', ['build', '-q', '-t', variant, '-'], `FROM ${REGISTRY}/ktrdr-db:2.19.3-pg17\nLABEL ktrdr.test=pin\n`)
    withRegistryLogin((env) =>
      sh('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'docker', 'push', '-q', variant]),
    )
    repin('2.19.3-pg17-e2e')
    const ok = w.make('deploy-core', { SERVICE: 'db', TAG })
    assert.is(ok.code, 0, out(ok))
    assert.match(ok.stdout, 'TimescaleDB 2.19.3 in ktrdr: current')
    assert.match(ok.stdout, /the db's image changed: full base backup \d{8}-\d{6}F of the cluster under it/)
    assert.is.not(db(), before.id, 'the db runs the new image')
    assert.is(marks(), before.marks, 'on the same data')
    const again = w.make('deploy-core', { SERVICE: 'db', TAG })
    assert.is(again.code, 0, out(again))
    assert.not.match(again.stdout, /image changed/, 'the same image again: no base backup')
  } finally {
    writeFileSync(stack, text)
  }
})

test.run()
