// The retention planner on tables: only verified backups count, manifest time orders, the newest is
// never deleted, the guard stops everything, the per-run limit holds, every kept backup says why.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { planRetention, type RetainInput } from '../../lib/backup/retention.ts'

const NOW = new Date('2026-11-27T12:00:00Z')
const policy = { keepDays: 30, guardHours: 26, maxDeletions: 10 }
const daysAgo = (d: number, h = 0) => new Date(NOW.getTime() - (d * 24 + h) * 3_600_000)
const b = (name: string, time: Date, verified = true, kind: RetainInput['kind'] = 'daily'): RetainInput => ({
  name,
  time,
  verified,
  kind,
})
const names = (ds: { name: string }[]) => ds.map((d) => d.name)
const why = (plan: ReturnType<typeof planRetention>, name: string) => plan.keep.find((k) => k.name === name)?.reason

test('deletes verified backups past keep_days, oldest first; keeps the rest with reasons', () => {
  const plan = planRetention(
    [b('d0', daysAgo(0, 2)), b('d29', daysAgo(29)), b('d31', daysAgo(31)), b('d40', daysAgo(40))],
    policy,
    NOW,
  )
  assert.equal(names(plan.delete), ['d40', 'd31'])
  assert.is(why(plan, 'd0'), 'newest verified backup (never deleted)')
  assert.is(why(plan, 'd29'), 'within keep_days (30 d)')
  assert.is(plan.guard, undefined)
})

test('ordered by manifest time, never by name: a misleading name does not make a backup "newest"', () => {
  const plan = planRetention(
    [b('ktrdr-20991231T000000Z', daysAgo(45)), b('ktrdr-20000101T000000Z', daysAgo(0, 1))],
    policy,
    NOW,
  )
  assert.equal(names(plan.delete), ['ktrdr-20991231T000000Z'])
  assert.is(why(plan, 'ktrdr-20000101T000000Z'), 'newest verified backup (never deleted)')
})

test('unverified backups neither count as newest nor get deleted', () => {
  const plan = planRetention(
    [
      b('broken', daysAgo(0, 1), false),
      b('old-broken', daysAgo(90), false),
      b('good', daysAgo(1)),
      b('old', daysAgo(60)),
    ],
    policy,
    NOW,
  )
  assert.equal(names(plan.delete), ['old'])
  assert.match(why(plan, 'broken')!, /not verified/)
  assert.match(why(plan, 'old-broken')!, /never deleted/)
  assert.is(why(plan, 'good'), 'newest verified backup (never deleted)')
})

test('guard: newest verified older than prune_guard_hours → nothing is deleted, and it says why', () => {
  const plan = planRetention([b('a', daysAgo(2)), b('b', daysAgo(50)), b('c', daysAgo(60))], policy, NOW)
  assert.equal(plan.delete, [])
  assert.match(plan.guard!, /newest verified backup \(a\) is 48 h old, more than prune_guard_hours \(26 h\)/)
  assert.match(why(plan, 'b')!, /older than keep_days, but the newest verified backup/)
})

test('guard: no verified backup at all → nothing is deleted', () => {
  const plan = planRetention([b('x', daysAgo(40), false)], policy, NOW)
  assert.equal(plan.delete, [])
  assert.match(plan.guard!, /no verified backup/)
})

test('the newest is kept even when older than keep_days (with keep_days below the guard)', () => {
  const plan = planRetention([b('only', daysAgo(0, 25))], { keepDays: 1, guardHours: 26, maxDeletions: 10 }, NOW)
  assert.equal(plan.delete, [])
  assert.is(why(plan, 'only'), 'newest verified backup (never deleted)')
})

test('at most max_deletions_per_run, oldest first; the rest wait for the next run', () => {
  const many = Array.from({ length: 6 }, (_, i) => b(`old${i}`, daysAgo(40 + i)))
  const plan = planRetention([b('new', daysAgo(0, 1)), ...many], { ...policy, maxDeletions: 2 }, NOW)
  assert.equal(names(plan.delete), ['old5', 'old4'])
  assert.match(why(plan, 'old0')!, /over max_deletions_per_run \(2\): next run/)
})

test('pre-restore safety dumps age out like the rest but are never the protected newest', () => {
  const plan = planRetention(
    [
      b('safety', daysAgo(0, 1), true, 'pre-restore'),
      b('daily', daysAgo(0, 3)),
      b('old-safety', daysAgo(31), true, 'pre-restore'),
    ],
    policy,
    NOW,
  )
  assert.equal(names(plan.delete), ['old-safety'])
  assert.is(why(plan, 'daily'), 'newest verified backup (never deleted)')
  assert.is(why(plan, 'safety'), 'within keep_days (30 d)')
})

test('clock skew: a backup newer than now is kept and does not shield the real newest', () => {
  const plan = planRetention(
    [b('future', new Date(NOW.getTime() + 3_600_000)), b('now', daysAgo(0, 1)), b('old', daysAgo(31))],
    policy,
    NOW,
  )
  assert.equal(names(plan.delete), ['old'])
  assert.match(why(plan, 'future')!, /newer than now/)
})

test.run()
