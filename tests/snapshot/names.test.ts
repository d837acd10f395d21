import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatSnapshotName, ownSnapshots, parseSnapshotName } from '../../lib/snapshot/names.ts'
import { SnapshotError } from '../../lib/snapshot/errors.ts'

test('format: UTC, second resolution, dashes for colons', () => {
  assert.is(formatSnapshotName(new Date('2026-11-27T12:00:00Z')), 'ktrdr-2026-11-27T12-00-00Z')
  assert.is(formatSnapshotName(new Date('2026-11-27T13:00:00+01:00')), 'ktrdr-2026-11-27T12-00-00Z')
  assert.is(formatSnapshotName(new Date('2026-11-27T12:00:59.999Z')), 'ktrdr-2026-11-27T12-00-59Z')
  assert.is(formatSnapshotName(new Date('2026-11-27T12:00:00Z'), 'ktrdr-shared'), 'ktrdr-shared-2026-11-27T12-00-00Z')
})

test('round trip', () => {
  const times = [
    '2026-11-27T12:00:00Z',
    '2028-02-29T23:59:59Z',
    '1999-12-31T23:59:59Z',
    '2026-10-25T01:30:00Z',
    '2027-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ]
  for (const iso of times) {
    for (const prefix of ['ktrdr', 'ktrdr-shared', 'a.b_c']) {
      const name = formatSnapshotName(new Date(iso), prefix)
      assert.equal(parseSnapshotName(name, prefix), new Date(iso), `${prefix} ${iso}`)
    }
  }
  const name = 'ktrdr-2026-11-27T12-00-00Z'
  assert.is(formatSnapshotName(parseSnapshotName(name)!), name)
})

test('names are valid ZFS snapshot components and btrfs names, and need no shell quoting', () => {
  const name = formatSnapshotName(new Date('2026-11-27T12:00:00Z'))
  assert.match(name, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
  assert.ok(!name.includes('@') && !name.includes('/') && !name.includes(':') && name.length < 255)
})

test('foreign and malformed names parse to null', () => {
  const foreign = [
    'zfs-auto-snap_hourly-2026-11-27-1200',
    'autosnap_2026-11-27_12:00:00_hourly',
    'vzdump',
    '',
    'ktrdr-2026-11-27T12:00:00Z',
    'ktrdr-2026-11-27T12-00-00',
    'ktrdr-2026-11-27T12-00-00Z.bak',
    'x-ktrdr-2026-11-27T12-00-00Z',
    'ktrdr-2026-02-30T00-00-00Z',
    'ktrdr-2026-11-27T24-00-00Z',
    'ktrdr-2026-13-01T00-00-00Z',
    'ktrdr-2026-11-27T12-60-00Z',
    'ktrdr-shared-2026-11-27T12-00-00Z',
    'ktrdr-0000-01-01T00-00-00Z',
    'KTRDR-2026-11-27T12-00-00Z',
    'ktrdr-２026-11-27T12-00-00Z',
  ]
  for (const name of foreign) assert.is(parseSnapshotName(name), null, name)
  assert.equal(
    ownSnapshots(['ktrdr-2026-11-27T12-00-00Z', 'zfs-auto-snap_daily-2026-11-27', 'ktrdr-2026-11-27T13-00-00Z']),
    [
      { name: 'ktrdr-2026-11-27T12-00-00Z', time: new Date('2026-11-27T12:00:00Z') },
      { name: 'ktrdr-2026-11-27T13-00-00Z', time: new Date('2026-11-27T13:00:00Z') },
    ],
  )
})

test('bad prefix or time throws SnapshotError', () => {
  for (const prefix of ['', '-x', 'a@b', 'a/b', 'a:b', 'a b', 'x'.repeat(65)]) {
    assert.throws(
      () => formatSnapshotName(new Date(), prefix),
      (e: unknown) => e instanceof SnapshotError && e.field === 'snapshot.prefix',
      prefix,
    )
  }
  assert.throws(() => formatSnapshotName(new Date('nope')), /time: is an invalid Date/)
  assert.throws(() => formatSnapshotName(new Date('+010000-01-01T00:00:00Z')), /time: year 10000/)
})

test.run()
