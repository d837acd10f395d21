// make backup-status's checks, from the host's output as the watch script prints it (inventory, watch_pitr, the
// snapshot listings) to the lines, the JSON and the Prometheus textfile, each by its exact text; the archive's
// lag rules; the config rule that keeps the lag threshold above archive_timeout.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { loadConfig } from '../../lib/config/load.ts'
import { ARCHIVER_SQL, archiveCheck, checks, parseArchiver, parseFigures, watchScript } from '../../lib/watch/checks.ts'
import { checkLines, JSON_SCHEMA, statusJson, textfile, textfileScript } from '../../lib/watch/report.ts'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { ageText } from '../../lib/backup/status.ts'

const LAB = loadConfig(join(REPO, 'lab/config'))
const NOW = new Date('2026-12-07T12:00:00Z')
const s = (iso: string) => Math.floor(Date.parse(iso) / 1000)
const sha = 'a'.repeat(64)
const manifest = (base: string, time: string) =>
  JSON.stringify({
    format: 'ktrdr-backup/1',
    kind: 'daily',
    time,
    host: 'ktrdr-core',
    server: { server_version: '17.12', server_version_num: 170012, timescaledb: '2.19.3', database: 'ktrdr' },
    hypertables: [],
    tables: [{ table: 'public.bars', rows: 10, checksum: '42' }],
    checksum_algorithm: 'x',
    dump: { file: `${base}.dump`, size: 2048, sha256: sha, format: 'custom', compression: 'zstd:1' },
    roles: { file: `${base}.roles.sql`, size: 5, sha256: sha },
  })
const B = 'ktrdr-20261207T020000Z'
const drill = (time: string, result = 'passed', detail = 'rows, chunks and checksums equal the manifest') =>
  `::ktrdr drill ${JSON.stringify({ time, file: `${B}.dump`, result, detail })}`
const info = (stop: string) =>
  `::ktrdr pitr-info [{"backup":[{"label":"20261207-020100F","type":"full","timestamp":{"stop":${s(stop)}}}]}]`
/** The host's output on a good day, with the parts a case replaces. */
function host(
  o: { drills?: string[]; archiver?: string; repo?: string[]; snapshots?: string[]; dest?: string[] } = {},
) {
  return [
    `::ktrdr file 2048 ${B}.dump`,
    `::ktrdr file 5 ${B}.roles.sql`,
    `::ktrdr manifest ${B}.manifest.json ${manifest(B, '2026-12-07T02:00:05Z')}`,
    ...(o.drills ?? [drill('2026-12-06T04:30:00.000Z')]),
    `::ktrdr archiver ${o.archiver ?? `${s('2026-12-07T12:00:00Z')} ${s('2026-12-07T11:59:30Z')} ${WAL}A7 0 - 0 0`}`,
    ...(o.repo ?? [info('2026-12-07T02:01:30Z'), '::ktrdr wal-newest 1796640000.5 0000000100000000000000A7']),
    '::ktrdr section snapshots',
    ...(o.snapshots ?? ['ktrdr-2026-12-07T10-00-00Z', 'ktrdr-2026-12-07T11-00-00Z']),
    '::ktrdr section end',
    '::ktrdr section dest',
    ...(o.dest ?? ['ktrdr-2026-12-07T11-00-00Z']),
    '::ktrdr section end',
  ].join('\n')
}
const WAL = '0000000100000000000000'
const run = (stdout: string) => checks(LAB, parseFigures(LAB, stdout), NOW)

test('a good day: every check green, by its exact lines', () => {
  assert.equal(checkLines(run(host())), [
    'checks (thresholds: monitoring: and backups.status_max_age_hours in stack-config.yml):',
    `  dump             OK   ${B}.dump (2.0 KB, verified at backup time), 10.0 h old (max 26 h)`,
    '  base backup      OK   20261207-020100F (full), 10.0 h old (max 26 h)',
    '  WAL archive      OK   0 segments waiting, lag 0 s (max 300 s); last segment archived 0.0 h ago ' +
      '(0000000100000000000000A7)',
    `  restore drill    OK   last passed on ${B}.dump, 31.5 h old (max 8 d)`,
    '  snapshot         OK   ktrdr-2026-12-07T11-00-00Z, 1.0 h old (max 2 h)',
    '  copy off node A  OK   ktrdr-2026-12-07T11-00-00Z in /mnt/usb/ktrdr-shared, 1.0 h old (max 3 h)',
    'GREEN: 6 checks within their thresholds',
  ])
})

test('a bad day: each figure past its threshold is red, and the verdict names every one with its reason', () => {
  const cs = run(
    host({
      drills: [
        drill('2026-11-20T04:30:00.000Z'),
        drill('2026-12-06T04:30:00.000Z', 'error', 'the connection was lost'),
      ],
      archiver:
        `${s(NOW.toISOString())} ${s('2026-12-07T11:50:00Z')} ${WAL}A7 ` +
        `${s('2026-12-07T11:59:00Z')} ${WAL}A8 4 ${s('2026-12-07T11:51:00Z')}`,
      repo: ['::ktrdr pitr-none'],
      snapshots: ['ktrdr-2026-12-07T08-00-00Z'],
      dest: [],
    }),
  )
  assert.equal(
    cs.map((c) => [c.name, c.state]),
    [
      ['dump', 'ok'],
      ['base_backup', 'red'],
      ['archive', 'red'],
      ['drill', 'red'],
      ['snapshot', 'red'],
      ['copy', 'red'],
    ],
  )
  assert.is(
    checkLines(cs).at(-1),
    'RED: base backup: there is no pgBackRest repository yet; ' +
      'WAL archive: 4 WAL segments have waited 540 s for the archiver, over 300 s; archiving FAILS since ' +
      '2026-12-07T11:59:00Z (0000000100000000000000A8); ' +
      'restore drill: the last restore drill (2026-12-06T04:30:00.000Z, ktrdr-20261207T020000Z.dump) could not ' +
      'finish: the connection was lost; ' +
      'snapshot: ktrdr-2026-12-07T08-00-00Z is 4.0 h old, over 2 h; ' +
      'copy off node A: no copy in /mnt/usb/ktrdr-shared yet: make snapshot-copy, and check ktrdr-snapshot.timer',
  )
  // A drill that passed long ago and none since: red on age (the heartbeat stopped).
  const old = run(host({ drills: [drill('2026-11-20T04:30:00.000Z')] })).find((c) => c.name === 'drill')!
  assert.is(old.state, 'red')
  assert.is(old.why, `last passed on ${B}.dump is 17.3 d old, over 8 d`)
  // No drill yet on a new install: green (and said) until the oldest backup is older than the threshold.
  const fresh = run(host({ drills: [] })).find((c) => c.name === 'drill')!
  assert.is(fresh.state, 'ok')
  assert.is(fresh.summary, 'none passed yet, since the oldest backup, 10.0 h old (max 8 d)')
  assert.is(fresh.extra.last_passed_at, null)
  const never = checks(LAB, parseFigures(LAB, host({ drills: [] })), new Date('2026-12-16T12:00:00Z'))
  assert.is(
    never.find((c) => c.name === 'drill')!.why,
    'no restore drill has passed: make backup-verify, and check ktrdr-drill.timer (the oldest backup is older ' +
      'than 8 d)',
  )
  // The db down: the archive is red with the reason.
  const down = run(host({ archiver: 'down' })).find((c) => c.name === 'archive')!
  assert.is(down.why, 'the db is not running: nothing is archived')
})

test('the archive lag: 0 when nothing waits (an idle server), else how long the oldest finished segment waited', () => {
  const a = (row: string) => archiveCheck(parseArchiver(row), NOW, 300)
  const t = s(NOW.toISOString())
  const idle = a(`${t} ${t - 7200} 00000001000000000000000A 0 - 0 0`)
  assert.is(idle.state, 'ok')
  assert.is(idle.extra.lag_seconds, 0)
  // The first segment after an idle hour: it has waited a second, whenever the one before it went.
  const switching = a(`${t} ${t - 3600} 00000001000000000000000A 0 - 1 ${t - 1}`)
  assert.is(switching.state, 'ok')
  assert.is(switching.extra.lag_seconds, 1)
  assert.is(switching.ageSeconds, 1, 'its age is the lag: the textfile and JSON compare it with the threshold')
  const stuck = a(`${t} ${t - 400} 00000001000000000000000A ${t - 5} 00000001000000000000000B 2 ${t - 350}`)
  assert.is(stuck.state, 'red')
  assert.is(stuck.extra.failing, true)
  const never = a(`${t} 0 - 0 - 3 ${t - 400}`)
  assert.is(never.state, 'red')
  assert.is(never.extra.lag_seconds, 400)
  assert.match(a('unreadable ERROR: permission denied').why!, 'pg_stat_archiver could not be read: ERROR')
})

test('JSON: the documented schema, a key per check with its state, age and threshold', () => {
  const cs = run(host({ dest: [] }))
  const j = statusJson(cs, NOW, 'ktrdr-core')
  assert.is(j.schema, JSON_SCHEMA)
  assert.is(j.time, '2026-12-07T12:00:00Z')
  assert.is(j.ok, false)
  assert.equal(j.red, ['copy'])
  assert.equal(Object.keys(j.checks), ['dump', 'base_backup', 'archive', 'drill', 'snapshot', 'copy'])
  assert.equal(j.checks.base_backup, {
    state: 'ok',
    summary: '20261207-020100F (full), 10.0 h old (max 26 h)',
    why: null,
    at: '2026-12-07T02:01:30Z',
    age_seconds: 35910,
    threshold_seconds: 93600,
    label: '20261207-020100F',
    type: 'full',
  })
  assert.is(j.checks.archive!.lag_seconds, 0)
  assert.is(
    j.checks.copy!.why,
    'no copy in /mnt/usb/ktrdr-shared yet: make snapshot-copy, and check ktrdr-snapshot.timer',
  )
})

test('the Prometheus textfile, by its exact text; samples only for what is configured and known', () => {
  const text = textfile(run(host({ dest: [] })), NOW)
  assert.is(
    text,
    [
      '# HELP ktrdr_backup_check_ok Whether the figure was within its threshold when this file was written ' +
        '(make backup-status).',
      '# TYPE ktrdr_backup_check_ok gauge',
      'ktrdr_backup_check_ok{check="dump"} 1',
      'ktrdr_backup_check_ok{check="base_backup"} 1',
      'ktrdr_backup_check_ok{check="archive"} 1',
      'ktrdr_backup_check_ok{check="drill"} 1',
      'ktrdr_backup_check_ok{check="snapshot"} 1',
      'ktrdr_backup_check_ok{check="copy"} 0',
      '# HELP ktrdr_backup_last_timestamp_seconds When the figure last happened (newest dump, base backup, ' +
        'archived WAL, passed drill, snapshot, copy).',
      '# TYPE ktrdr_backup_last_timestamp_seconds gauge',
      `ktrdr_backup_last_timestamp_seconds{check="dump"} ${s('2026-12-07T02:00:05Z')}`,
      `ktrdr_backup_last_timestamp_seconds{check="base_backup"} ${s('2026-12-07T02:01:30Z')}`,
      `ktrdr_backup_last_timestamp_seconds{check="drill"} ${s('2026-12-06T04:30:00Z')}`,
      `ktrdr_backup_last_timestamp_seconds{check="snapshot"} ${s('2026-12-07T11:00:00Z')}`,
      '# HELP ktrdr_backup_threshold_seconds The most that age may be before make backup-status is red ' +
        '(stack-config.yml).',
      '# TYPE ktrdr_backup_threshold_seconds gauge',
      'ktrdr_backup_threshold_seconds{check="dump"} 93600',
      'ktrdr_backup_threshold_seconds{check="base_backup"} 93600',
      'ktrdr_backup_threshold_seconds{check="archive"} 300',
      'ktrdr_backup_threshold_seconds{check="drill"} 691200',
      'ktrdr_backup_threshold_seconds{check="snapshot"} 7200',
      'ktrdr_backup_threshold_seconds{check="copy"} 10800',
      '# HELP ktrdr_backup_archive_lag_seconds How long finished WAL segments have waited for the archiver ' +
        '(0 when none waits).',
      '# TYPE ktrdr_backup_archive_lag_seconds gauge',
      'ktrdr_backup_archive_lag_seconds 0',
      '# HELP ktrdr_backup_archive_last_archived_timestamp_seconds When the archiver last pushed a WAL segment ' +
        '(an idle server pushes none: not an alert by itself).',
      '# TYPE ktrdr_backup_archive_last_archived_timestamp_seconds gauge',
      `ktrdr_backup_archive_last_archived_timestamp_seconds ${s('2026-12-07T11:59:30Z')}`,
      '# HELP ktrdr_backup_archive_waiting_segments Finished WAL segments the archiver has not pushed yet.',
      '# TYPE ktrdr_backup_archive_waiting_segments gauge',
      'ktrdr_backup_archive_waiting_segments 0',
      '# HELP ktrdr_backup_status_ok Whether every check was green when this file was written.',
      '# TYPE ktrdr_backup_status_ok gauge',
      'ktrdr_backup_status_ok 0',
      '# HELP ktrdr_backup_textfile_timestamp_seconds When a ktrdr job last wrote this file.',
      '# TYPE ktrdr_backup_textfile_timestamp_seconds gauge',
      `ktrdr_backup_textfile_timestamp_seconds ${s(NOW.toISOString())}`,
      '',
    ].join('\n'),
  )
  // Without pitr: and snapshots: those checks are off, and neither a sample nor a threshold is written.
  const bare = configCopy([
    { file: 'stack-config.yml', from: /\npitr:[^\n]*\n( {2}[^\n]*\n)+/, to: '\n' },
    { file: 'stack-config.yml', from: /\nsnapshots:[^\n]*\n( {2}[^\n]*\n)+/, to: '\n' },
  ])
  try {
    const cfg = loadConfig(bare)
    const cs = checks(cfg, parseFigures(cfg, host()), NOW)
    assert.equal(
      cs.filter((c) => c.state === 'off').map((c) => c.name),
      ['base_backup', 'archive', 'snapshot', 'copy'],
    )
    assert.not.match(textfile(cs, NOW), /check="(base_backup|archive|snapshot|copy)"|archive_lag/)
    assert.equal(watchScript(cfg).body.slice(-3), ['backups_dir', 'snap_now', 'inventory'])
  } finally {
    rmSync(bare, { recursive: true, force: true })
  }
})

test('the scripts: inventory, watch_pitr with the archiver query, both listings; the textfile written whole', () => {
  const body = watchScript(LAB).body
  assert.ok(body.includes('inventory') && body.includes('watch_pitr'), body.join('\n'))
  assert.ok(body.some((l) => l.startsWith('archiver_sql=') && l.includes('pg_ls_archive_statusdir()')))
  assert.ok(ARCHIVER_SQL.startsWith('SELECT extract(epoch FROM now())::bigint, '))
  assert.equal(
    body.filter((l) => l.startsWith('watch_list ')),
    [
      'watch_list snapshots /srv/.snapshots/ktrdr-shared find /srv/.snapshots/ktrdr-shared -mindepth 1 -maxdepth 1 ' +
        "-type d -printf $'%f\\\\n'",
      'watch_list dest /mnt/usb/ktrdr-shared find /mnt/usb/ktrdr-shared -mindepth 1 -maxdepth 1 -type d ' +
        "-printf $'%f\\\\n'",
    ],
  )
  assert.equal(textfileScript(LAB, 'x 1\n').body, [
    'textfile=/var/lib/prometheus/node-exporter/ktrdr_backups.prom',
    "textfile_text=$'x 1\\n'",
    'write_textfile',
  ])
})

test('a listing this job cannot make is unknown, not red; ages count from the core host clock', () => {
  const out = host().replace(
    /::ktrdr section snapshots\n[^:]*::ktrdr section end\n/,
    '::ktrdr snapshots-unlisted snapshots\n',
  )
  const cs = run(out)
  assert.equal(
    cs.filter((c) => c.state === 'unknown').map((c) => c.name),
    ['snapshot', 'copy'],
  )
  assert.not.match(textfile(cs, NOW), /check="(snapshot|copy)"/)
  const f = parseFigures(LAB, `::ktrdr now ${s('2026-12-07T12:30:00Z')}\n${host()}`)
  assert.equal(f.hostNow, new Date('2026-12-07T12:30:00Z'))
  // A moment this machine stamped a little after the host's whole second is no negative age.
  assert.is(ageText(-800), '0.0 h')
})

test.run()
