import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { planRetention, type RetentionPolicy } from '../../lib/snapshot/retention.ts'
import { formatSnapshotName } from '../../lib/snapshot/names.ts'

const H = 3_600_000
const D = 24 * H
const DEFAULT: RetentionPolicy = { hourly: 24, daily: 30, weekly: 8 } // design §8.3
const snap = (iso: string) => ({ name: formatSnapshotName(new Date(iso)), time: new Date(iso) })
const name = (iso: string) => formatSnapshotName(new Date(iso))
/** Snapshots every `stepMs` from `fromIso` to `toIso` inclusive. */
function series(fromIso: string, toIso: string, stepMs: number) {
  const out = []
  for (let t = Date.parse(fromIso); t <= Date.parse(toIso); t += stepMs) out.push(snap(new Date(t).toISOString()))
  return out
}
const kept = (plan: ReturnType<typeof planRetention>) => plan.keep.map((k) => [k.name, k.reasons] as const)

test('default policy over ten weeks of hourly snapshots', () => {
  const snaps = series('2026-09-18T00:00:00Z', '2026-11-27T12:00:00Z', H) // Fri 18 Sep .. Fri 27 Nov
  assert.is(snaps.length, 70 * 24 + 13)
  const plan = planRetention(snaps, DEFAULT, new Date('2026-11-27T12:30:00Z'))

  const want: [string, string[]][] = []
  // 24 hourly: 27 Nov 12:00 back to 26 Nov 13:00.
  for (let t = Date.parse('2026-11-27T12:00:00Z'); t >= Date.parse('2026-11-26T13:00:00Z'); t -= H) {
    want.push([name(new Date(t).toISOString()), ['hourly snapshot']])
  }
  want[0]![1] = ['hourly snapshot', 'daily snapshot', 'weekly snapshot'] // newest: week of Mon 23 Nov
  want[13]![1] = ['hourly snapshot', 'daily snapshot'] // 26 Nov 23:00 (0..12 are 27 Nov 12:00..00:00)
  // 28 more daily (30 days with the two above): 23:00 of 25 Nov back to 29 Oct.
  for (let t = Date.parse('2026-11-25T23:00:00Z'); t >= Date.parse('2026-10-29T23:00:00Z'); t -= D) {
    const sunday = new Date(t).getUTCDay() === 0 // last snapshot of an ISO week
    want.push([name(new Date(t).toISOString()), sunday ? ['daily snapshot', 'weekly snapshot'] : ['daily snapshot']])
  }
  // Weekly: 22 Nov, 15 Nov, 8 Nov, 1 Nov are daily too (above); three more Sundays.
  for (const day of ['2026-10-25', '2026-10-18', '2026-10-11'])
    want.push([name(`${day}T23:00:00Z`), ['weekly snapshot']])

  assert.equal(kept(plan), want)
  assert.is(plan.keep.length, 55)
  assert.is(plan.remove.length, snaps.length - 55)
  // The edges: the first snapshot past each count is removed.
  const removed = new Set(plan.remove.map((r) => r.name))
  for (const iso of ['2026-11-26T12:00:00Z', '2026-10-28T23:00:00Z', '2026-10-04T23:00:00Z', '2026-09-18T00:00:00Z']) {
    assert.ok(removed.has(name(iso)), iso)
  }
  assert.is(removed.size, plan.remove.length)
})

test('restic docs example: 12 Sundays, --keep-daily 4', () => {
  // restic doc/060_forget.rst, "Removing snapshots according to a policy": one backup every
  // Sunday 11:00 for 12 weeks (2019-09-01 .. 2019-11-17); `forget --keep-daily 4` keeps
  // 2019-10-27, 11-03, 11-10, 11-17 as "daily snapshot" and removes the other 8.
  const snaps = series('2019-09-01T11:00:00Z', '2019-11-17T11:00:00Z', 7 * D)
  const plan = planRetention(snaps, { hourly: 0, daily: 4, weekly: 0 }, new Date('2019-11-18T00:00:00Z'))
  assert.equal(
    kept(plan),
    ['2019-11-17', '2019-11-10', '2019-11-03', '2019-10-27'].map((d) => [name(`${d}T11:00:00Z`), ['daily snapshot']]),
  )
  assert.equal(
    plan.remove.map((r) => r.name),
    [
      '2019-10-20',
      '2019-10-13',
      '2019-10-06',
      '2019-09-29',
      '2019-09-22',
      '2019-09-15',
      '2019-09-08',
      '2019-09-01',
    ].map((d) => name(`${d}T11:00:00Z`)),
  )
})

test('restic docs example: daily backups, --keep-daily 7 --keep-weekly 5 keeps 7 + 4', () => {
  // doc/060_forget.rst: "keep the most recent 7 daily snapshots and 4 last-day-of-the-week ones
  // (since the 7 dailies already include 1 weekly)". That holds when the newest is a Sunday.
  const snaps = series('2026-01-01T03:00:00Z', '2026-11-29T03:00:00Z', D) // 29 Nov 2026 is a Sunday
  const plan = planRetention(snaps, { hourly: 0, daily: 7, weekly: 5 }, new Date('2026-11-29T04:00:00Z'))
  assert.is(plan.keep.length, 11)
  assert.equal(
    plan.keep.slice(7).map((k) => [k.name, k.reasons]),
    ['2026-11-22', '2026-11-15', '2026-11-08', '2026-11-01'].map((d) => [name(`${d}T03:00:00Z`), ['weekly snapshot']]),
  )
})

// The newest entries of restic's own test set (internal/restic/snapshot_policy_test.go,
// testExpireSnapshots, times in UTC), with its golden results.
const RESTIC_SET = [
  '2015-11-08 10:20:30',
  '2015-11-10 10:20:30',
  '2015-11-12 10:20:30',
  '2015-11-13 10:20:30',
  '2015-11-13 10:20:30.1',
  '2015-11-15 10:20:30',
  '2015-11-18 10:20:30',
  '2015-11-20 10:20:30',
  '2015-11-21 10:20:30',
  '2015-11-22 10:20:30',
  '2016-01-01 01:02:03',
  '2016-01-01 01:03:03',
  '2016-01-01 07:08:03',
  '2016-01-03 07:02:03',
  '2016-01-04 10:23:03',
  '2016-01-04 11:23:03',
  '2016-01-04 12:23:03',
  '2016-01-04 12:24:03',
  '2016-01-04 12:28:03',
  '2016-01-04 12:30:03',
  '2016-01-04 16:23:03',
  '2016-01-05 09:02:03',
  '2016-01-06 08:02:03',
  '2016-01-07 10:02:03',
  '2016-01-08 20:02:03',
  '2016-01-09 21:02:03',
  '2016-01-12 21:02:03',
  '2016-01-12 21:08:03',
  '2016-01-18 12:02:03',
].map((s, i) => ({ name: `r${String(i).padStart(2, '0')}`, time: new Date(`${s.replace(' ', 'T')}Z`) }))
const at = (plan: ReturnType<typeof planRetention>) => plan.keep.map((k) => [k.time.toISOString(), k.reasons])

test('restic golden policy_keep_snapshots_12 ({Weekly: 4})', () => {
  const plan = planRetention(RESTIC_SET, { hourly: 0, daily: 0, weekly: 4 }, new Date('2020-01-01T00:00:00Z'))
  assert.equal(
    at(plan),
    ['2016-01-18T12:02:03', '2016-01-12T21:08:03', '2016-01-09T21:02:03', '2016-01-03T07:02:03'].map((t) => [
      `${t}.000Z`,
      ['weekly snapshot'],
    ]),
  )
})

test('restic golden policy_keep_snapshots_13 ({Daily: 3, Weekly: 4})', () => {
  const plan = planRetention(RESTIC_SET, { hourly: 0, daily: 3, weekly: 4 }, new Date('2020-01-01T00:00:00Z'))
  assert.equal(at(plan), [
    ['2016-01-18T12:02:03.000Z', ['daily snapshot', 'weekly snapshot']],
    ['2016-01-12T21:08:03.000Z', ['daily snapshot', 'weekly snapshot']],
    ['2016-01-09T21:02:03.000Z', ['daily snapshot', 'weekly snapshot']],
    ['2016-01-03T07:02:03.000Z', ['weekly snapshot']],
  ])
})

test('a missing week is skipped, not counted', () => {
  // Daily at 02:00 from 1 Oct to Sun 29 Nov 2026, but nothing in ISO week 46 (Mon 9 .. Sun 15 Nov).
  const snaps = series('2026-10-01T02:00:00Z', '2026-11-29T02:00:00Z', D).filter(
    (s) => s.time < new Date('2026-11-09T00:00:00Z') || s.time >= new Date('2026-11-16T00:00:00Z'),
  )
  const plan = planRetention(snaps, { hourly: 0, daily: 16, weekly: 4 }, new Date('2026-11-29T03:00:00Z'))
  const days = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i)
  const dailies = [...days(29, 16), 8, 7].map((d) => `2026-11-${String(d).padStart(2, '0')}`)
  const want = dailies.map((d) => [
    name(`${d}T02:00:00Z`),
    ['29', '22', '08'].includes(d.slice(8)) ? ['daily snapshot', 'weekly snapshot'] : ['daily snapshot'],
  ])
  want.push([name('2026-11-01T02:00:00Z'), ['weekly snapshot']]) // week 44, past the gap
  assert.equal(kept(plan), want)
  assert.is(plan.remove.length, snaps.length - 17)
})

test('oldest snapshot kept while counts are left (restic PR #4366, issue #4806 shape)', () => {
  const snaps = [snap('2026-05-17T09:36:51Z'), snap('2026-05-17T09:41:06Z')]
  const plan = planRetention(snaps, DEFAULT, new Date('2026-05-17T10:00:00Z'))
  assert.equal(kept(plan), [
    [name('2026-05-17T09:41:06Z'), ['hourly snapshot', 'daily snapshot', 'weekly snapshot']],
    [name('2026-05-17T09:36:51Z'), ['oldest hourly snapshot', 'oldest daily snapshot', 'oldest weekly snapshot']],
  ])
  const weeklyOnly = planRetention(snaps, { hourly: 0, daily: 0, weekly: 1 }, new Date('2026-05-17T10:00:00Z'))
  assert.equal(
    weeklyOnly.remove.map((r) => r.name),
    [name('2026-05-17T09:36:51Z')],
    'no counts left: not kept',
  )
})

test.run()
