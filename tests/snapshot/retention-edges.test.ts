import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLOCK_SKEW_REASON, isoWeek, planRetention, type RetentionPolicy } from '../../lib/snapshot/retention.ts'
import { SnapshotError } from '../../lib/snapshot/errors.ts'
import { formatSnapshotName } from '../../lib/snapshot/names.ts'

const H = 3_600_000
const D = 24 * H
const DEFAULT: RetentionPolicy = { hourly: 24, daily: 30, weekly: 8 }
const ZERO: RetentionPolicy = { hourly: 0, daily: 0, weekly: 0 }
const snap = (iso: string) => ({ name: formatSnapshotName(new Date(iso)), time: new Date(iso) })
const name = (iso: string) => formatSnapshotName(new Date(iso))
const kept = (plan: ReturnType<typeof planRetention>) => plan.keep.map((k) => [k.name, k.reasons])
const zurich = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Zurich', dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(iso),
  )

test('DST end in Zurich: two UTC hours with the same local hour stay two buckets', () => {
  // 25 Oct 2026, 03:00 CEST -> 02:00 CET at 01:00Z: local 02:30 happens twice.
  assert.is(zurich('2026-10-25T00:30:00Z'), zurich('2026-10-25T01:30:00Z'), 'precondition: same Zurich wall time')
  const times = [
    '2026-10-24T22:30:00Z',
    '2026-10-24T23:30:00Z',
    '2026-10-25T00:30:00Z',
    '2026-10-25T01:30:00Z',
    '2026-10-25T02:30:00Z',
    '2026-10-25T03:30:00Z',
  ]
  const plan = planRetention(times.map(snap), { hourly: 24, daily: 0, weekly: 0 }, new Date('2026-10-25T04:00:00Z'))
  assert.equal(
    kept(plan),
    [...times].reverse().map((t) => [name(t), ['hourly snapshot']]),
  )
  assert.equal(plan.remove, [])
  // Days are UTC days: 24 Oct 22:30Z is already 25 Oct in Zurich, but a separate daily bucket here.
  const daily = planRetention(times.map(snap), { hourly: 0, daily: 2, weekly: 0 }, new Date('2026-10-25T04:00:00Z'))
  assert.equal(
    daily.keep.map((k) => k.name),
    [name('2026-10-25T03:30:00Z'), name('2026-10-24T23:30:00Z')],
  )
})

test('DST start in Zurich: the 23-hour local day still has 24 hourly buckets and one UTC day', () => {
  // 29 Mar 2026, 02:00 CET -> 03:00 CEST at 01:00Z.
  const times = Array.from({ length: 24 }, (_, h) => new Date(Date.parse('2026-03-29T00:00:00Z') + h * H).toISOString())
  const plan = planRetention(times.map(snap), { hourly: 48, daily: 0, weekly: 0 }, new Date('2026-03-30T00:00:00Z'))
  assert.is(plan.keep.length, 24)
  const daily = planRetention(times.map(snap), { hourly: 0, daily: 48, weekly: 0 }, new Date('2026-03-30T00:00:00Z'))
  // Without the "oldest" rule there would be one; restic also keeps the oldest while counts are left.
  assert.equal(kept(daily), [
    [name(times[23]!), ['daily snapshot']],
    [name(times[0]!), ['oldest daily snapshot']],
  ])
})

test('clock skew: future snapshots are kept and use no counts', () => {
  const now = new Date('2026-11-27T12:10:00Z')
  const times = [
    '2026-11-27T08:00:00Z',
    '2026-11-27T09:00:00Z',
    '2026-11-27T10:00:00Z',
    '2026-11-27T11:00:00Z',
    '2026-11-27T12:00:00Z',
    '2026-11-27T12:40:00Z',
    '2026-11-27T14:00:00Z',
  ]
  const plan = planRetention(times.map(snap), { hourly: 2, daily: 0, weekly: 0 }, now)
  assert.equal(kept(plan), [
    [name('2026-11-27T14:00:00Z'), [CLOCK_SKEW_REASON]],
    [name('2026-11-27T12:40:00Z'), [CLOCK_SKEW_REASON]], // same hour as 12:00, but claims no bucket
    [name('2026-11-27T12:00:00Z'), ['hourly snapshot']],
    [name('2026-11-27T11:00:00Z'), ['hourly snapshot']],
  ])
  assert.equal(
    plan.remove.map((r) => r.name),
    ['10', '09', '08'].map((h) => name(`2026-11-27T${h}:00:00Z`)),
  )
  // A snapshot taken exactly at `now` is not in the future.
  const exact = planRetention([snap('2026-11-27T12:10:00Z')], DEFAULT, now)
  assert.equal(exact.keep[0]!.reasons, ['hourly snapshot', 'daily snapshot', 'weekly snapshot'])
})

test('clock skew: everything in the future keeps everything', () => {
  const plan = planRetention(
    [snap('2027-01-01T00:00:00Z'), snap('2027-01-01T00:30:00Z')],
    { hourly: 1, daily: 0, weekly: 0 },
    new Date('2026-11-27T00:00:00Z'),
  )
  assert.equal(
    plan.keep.map((k) => k.reasons),
    [[CLOCK_SKEW_REASON], [CLOCK_SKEW_REASON]],
  )
  assert.equal(plan.remove, [])
})

test('empty list gives an empty plan', () => {
  const now = new Date('2026-11-27T00:00:00Z')
  assert.equal(planRetention([], DEFAULT, now), { keep: [], remove: [] })
  assert.equal(planRetention([], ZERO, now), { keep: [], remove: [] })
})

test('all-zero policy removes nothing (restic: "policy is empty")', () => {
  const now = new Date('2026-11-27T00:00:00Z')
  assert.equal(kept(planRetention([snap('2026-11-26T00:00:00Z')], ZERO, now)), [
    [name('2026-11-26T00:00:00Z'), ['policy is empty']],
  ])
  const many = planRetention(
    [snap('2026-11-26T00:00:00Z'), snap('2026-11-25T00:00:00Z'), snap('2026-12-01T00:00:00Z')],
    ZERO,
    now,
  )
  assert.equal(
    many.keep.map((k) => k.reasons[0]),
    [CLOCK_SKEW_REASON, 'policy is empty', 'policy is empty'],
  )
  assert.equal(many.remove, [])
})

test('one snapshot under the default policy is kept for every reason', () => {
  const plan = planRetention([snap('2026-11-26T00:00:00Z')], DEFAULT, new Date('2026-11-27T00:00:00Z'))
  assert.equal(kept(plan), [[name('2026-11-26T00:00:00Z'), ['hourly snapshot', 'daily snapshot', 'weekly snapshot']]])
})

test('5,000 snapshots, shuffled: same plan as sorted, exact counts', () => {
  // Every 30 min up to Sun 29 Nov 2026 23:30Z: about 104 days.
  const newest = Date.parse('2026-11-29T23:30:00Z')
  const snaps = Array.from({ length: 5000 }, (_, i) => snap(new Date(newest - (i * H) / 2).toISOString()))
  let seed = 42
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31 - 0.5
  }
  const shuffled = [...snaps].sort(next)
  const plan = planRetention(shuffled, DEFAULT, new Date('2026-11-30T00:00:00Z'))
  // 24 hourly (the :30 of each hour of 29 Nov) + 29 more daily (28 Nov .. 31 Oct, 23:30)
  // + 3 more weekly (Sundays 25, 18, 11 Oct; 22, 15, 8, 1 Nov are daily already).
  assert.is(plan.keep.length, 24 + 29 + 3)
  assert.is(plan.remove.length, 5000 - 56)
  assert.equal(plan, planRetention(snaps, DEFAULT, new Date('2026-11-30T00:00:00Z')))
  assert.is(plan.keep[23]!.name, name('2026-11-29T00:30:00Z'))
  assert.is(plan.keep.at(-1)!.name, name('2026-10-11T23:30:00Z'))
  const all = new Set([...plan.keep, ...plan.remove].map((s) => s.name))
  assert.is(all.size, 5000)
})

test('isoWeek: week-year at the turn of the year', () => {
  const cases: [string, number, number][] = [
    ['2026-12-31T12:00:00Z', 2026, 53],
    ['2027-01-01T00:00:00Z', 2026, 53],
    ['2027-01-03T23:59:59Z', 2026, 53],
    ['2027-01-04T00:00:00Z', 2027, 1],
    ['2024-12-29T23:59:59Z', 2024, 52],
    ['2024-12-30T00:00:00Z', 2025, 1],
    ['2025-01-01T00:00:00Z', 2025, 1],
    ['2020-12-31T00:00:00Z', 2020, 53],
    ['2021-01-03T00:00:00Z', 2020, 53],
    ['1970-01-01T00:00:00Z', 1970, 1],
    ['1969-12-29T00:00:00Z', 1970, 1],
    ['1969-12-28T00:00:00Z', 1969, 52],
  ]
  for (const [iso, year, week] of cases) assert.equal(isoWeek(new Date(iso)), { year, week }, iso)
})

test('weekly buckets follow ISO weeks across Dec 31 / Jan 1', () => {
  const now = new Date('2027-01-06T00:00:00Z')
  const days = Array.from({ length: 17 }, (_, i) => new Date(Date.parse('2026-12-20T12:00:00Z') + i * D).toISOString())
  const plan = planRetention(days.map(snap), { hourly: 0, daily: 0, weekly: 3 }, now)
  // 2027-W01 (Jan 4-), 2026-W53 (Dec 28 - Jan 3: one week across two calendar years), 2026-W52.
  assert.equal(
    plan.keep.map((k) => k.name),
    ['2027-01-05', '2027-01-03', '2026-12-27'].map((d) => name(`${d}T12:00:00Z`)),
  )
  const turn = planRetention(
    ['2024-12-29', '2024-12-31', '2025-01-01'].map((d) => snap(`${d}T12:00:00Z`)),
    { hourly: 0, daily: 0, weekly: 5 },
    now,
  )
  assert.equal(
    turn.keep.map((k) => k.name),
    [name('2025-01-01T12:00:00Z'), name('2024-12-29T12:00:00Z')],
  )
  assert.equal(
    turn.remove.map((r) => r.name),
    [name('2024-12-31T12:00:00Z')],
    '31 Dec 2024 is in 2025-W01',
  )
})

test('bad input throws SnapshotError naming the field', () => {
  const now = new Date('2026-11-27T00:00:00Z')
  assert.throws(
    () => planRetention([], { hourly: -1, daily: 0, weekly: 0 }, now),
    (e: unknown) =>
      e instanceof SnapshotError &&
      e.message === 'policy.hourly: should be a whole number >= 0 (or Infinity for unlimited), found -1',
  )
  assert.throws(() => planRetention([], { hourly: 0, daily: 1.5, weekly: 0 }, now), /policy\.daily/)
  assert.throws(
    () => planRetention([{ name: 'x', time: new Date('nope') }], DEFAULT, now),
    /snapshots\/0 \(x\): time is an invalid Date/,
  )
  assert.throws(() => planRetention([], DEFAULT, new Date('nope')), /now: is an invalid Date/)
  const unlimited = planRetention(
    [snap('2026-11-26T00:00:00Z'), snap('2026-11-25T00:00:00Z')],
    { hourly: Infinity, daily: 0, weekly: 0 },
    now,
  )
  assert.is(unlimited.keep.length, 2)
})

test.run()
