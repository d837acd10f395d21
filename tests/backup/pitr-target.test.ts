// TIME= checked against what the repository can reach (lib/pitr/info.ts), from pitr_info's events as
// pgBackRest 2.55's `info --output=json` prints them; and make backup's choice of a full or differential base
// backup. The e2e (pitr.test.ts) drives the same through make restore on the lab.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { OpsError } from '../../lib/errors.ts'
import { baseBackupType } from '../../lib/pitr/base-backup.ts'
import { checkTarget, parseInfo, restorableRange } from '../../lib/pitr/info.ts'

const epoch = (iso: string) => Date.parse(iso) / 1000
const backup = (label: string, type: string, stop: string, error = false) => ({
  archive: { start: '000000010000000000000002', stop: '000000010000000000000003' },
  error,
  label,
  timestamp: { start: epoch(stop) - 2, stop: epoch(stop) },
  type,
})
const infoOut = (backups: unknown[], walNewest = '2026-12-01T12:00:00Z') =>
  [
    '::ktrdr step repository',
    `::ktrdr pitr-info ${JSON.stringify([{ name: 'ktrdr', backup: backups, status: { code: 0, message: 'ok' } }])}`,
    `::ktrdr wal-newest ${epoch(walNewest)}.5 000000010000000000000009-0123abcd.zst`,
  ].join('\n')

const info = parseInfo(
  infoOut([
    backup('20261201-080000F_20261201-090000D', 'diff', '2026-12-01T09:00:05Z'),
    backup('20261201-080000F', 'full', '2026-12-01T08:00:05Z'),
    backup('20261201-100000F', 'full', '2026-12-01T10:00:05Z', true),
  ]),
)
const NOW = new Date('2026-12-01T12:30:00Z')
const refused = (time: string, re: RegExp, hint?: RegExp) =>
  assert.throws(
    () => checkTarget(time, info, NOW),
    (e: OpsError) => re.test(e.message) && (!hint || hint.test(e.hint ?? '')) && e.exitCode === 2,
    time,
  )

test('the range: from the oldest good base backup to the newest archived WAL; a failed backup is no start', () => {
  assert.equal(
    info.backups.map((b) => b.label),
    ['20261201-080000F', '20261201-080000F_20261201-090000D'],
  )
  assert.equal(restorableRange(info), {
    from: new Date('2026-12-01T08:00:05Z'),
    to: new Date('2026-12-01T12:00:00.500Z'),
  })
  assert.is(info.walNewestFile, '000000010000000000000009-0123abcd.zst')
})

test('TIME with a zone, in its forms: the target as given, the moment it is', () => {
  for (const [time, iso] of [
    ['2026-12-01 10:42:00+00', '2026-12-01T10:42:00Z'],
    ['2026-12-01T10:42:00Z', '2026-12-01T10:42:00Z'],
    ['2026-12-01 11:42:00.250+01:00', '2026-12-01T10:42:00.250Z'],
    ['2026-12-01 05:42-0500', '2026-12-01T10:42:00Z'],
  ] as const) {
    const r = checkTarget(time, info, NOW)
    assert.is(r.target, time)
    assert.equal(r.at, new Date(iso), time)
  }
  assert.equal(checkTarget('latest', info, NOW), { target: '' })
})

test('bad TIME: no zone (named as such), not a time, not a real day, quotes', () => {
  refused('2026-12-01 10:42:00', /not a time this restore can use/, /no zone.*'2026-12-01 10:42:00\+00'/)
  refused('yesterday', /not a time/, /TIME=latest/)
  refused("2026-12-01 10:42:00+00'; DROP", /not a time/)
  refused('2026-13-45 10:42:00+00', /not a real moment/)
  refused('', /not a time/)
})

test('TIME in the future, before the oldest base backup, after the newest WAL: refused, naming the range', () => {
  const range = /2026-12-01T08:00:05Z … 2026-12-01T12:00:00Z/
  refused('2026-12-01 13:00:00+00', /in the future/, range)
  refused('2026-12-01 07:59:00+00', new RegExp(`outside the range.*${range.source}`), /older logical dump with FILE=/)
  refused('2026-12-01 12:10:00+00', new RegExp(`outside the range.*${range.source}`), /TIME=latest/)
})

test('no base backup at all: nothing to restore to a moment from, even with TIME=latest', () => {
  const none = parseInfo(infoOut([]).replace(/wal-newest .*/, 'wal-newest 0 -'))
  assert.is(none.walNewest, undefined)
  assert.throws(
    () => checkTarget('latest', none, NOW),
    (e: OpsError) => /no base backup/.test(e.message) && /make backup/.test(e.hint ?? ''),
  )
})

test('make backup: full without a repository, or when the newest full is older than full_every_days', () => {
  const p = { subdir: 'pgbackrest', archive_timeout: 60, full_every_days: 7 }
  assert.is(baseBackupType(p, undefined, NOW), 'full')
  assert.is(baseBackupType(p, parseInfo(infoOut([])), NOW), 'full')
  assert.is(baseBackupType(p, info, NOW), 'diff')
  assert.is(baseBackupType(p, info, new Date('2026-12-08T08:00:04Z')), 'diff')
  assert.is(baseBackupType(p, info, new Date('2026-12-08T08:00:06Z')), 'full')
})

test.run()
