/**
 * Which snapshots to keep: restic's `forget --keep-hourly/--keep-daily/--keep-weekly`,
 * reimplemented as a pure function.
 *
 * Semantics, from restic's internal/restic/snapshot_policy.go (ApplyPolicy) and
 * doc/060_forget.rst ("Removing snapshots according to a policy"):
 * - Sort newest first and walk the list once. Each bucket kind (hour, day, ISO
 *   week) remembers the last bucket it kept. A snapshot in a new bucket is kept
 *   for that kind while the kind's count lasts, and uses up one count. So
 *   `daily: 30` means "the newest snapshot of each of the 30 most recent days
 *   that have a snapshot"; days without snapshots are skipped, not counted.
 * - The kinds are ORed: one snapshot may be kept as hourly, daily and weekly at
 *   once, and lists every reason in that order ("hourly snapshot", ...).
 * - Current restic (PR restic/restic#4366; reason text from #5039): when the
 *   walk reaches the oldest snapshot and a kind still has counts left, it is kept
 *   too, as "oldest <kind> snapshot" when its bucket was already taken. This
 *   stretches a young history as far back as possible.
 * - An all-zero policy removes nothing: restic refuses to act on an empty policy
 *   and keeps everything as "policy is empty". A zero policy here is almost
 *   certainly a config mistake, so the safe reading is restic's.
 *
 * Where this differs from restic, on purpose:
 * - Buckets are computed in UTC. restic uses each snapshot's local time, so on
 *   the night clocks go back, two different hours (00:30Z and 01:30Z on
 *   2026-10-25, both 02:30 in Europe/Zurich) share one "hour" and one is
 *   dropped, and in spring a day has 23 hours. UTC hours and days are always
 *   60 min and 24 h, so daylight-saving changes can neither merge nor split
 *   buckets. Day and week boundaries are therefore at 00:00 UTC (01:00 or
 *   02:00 in Zurich).
 * - Clock skew: a snapshot newer than `now` is kept as "newer than now (clock
 *   skew)" and takes no part in the walk, so it uses no counts and claims no
 *   bucket. Keeping it is the safe side (we never delete what we cannot place
 *   in time); leaving it out of the walk means a skewed clock cannot push real
 *   recent snapshots out of their hourly slots. Once `now` passes its time it
 *   is planned like any other. (restic's count options do not look at the clock
 *   at all; only its --keep-within* options skip future snapshots.)
 * - Ties in time are broken by name, newest-first order being name descending,
 *   so the plan does not depend on input order.
 *
 * The newest snapshot is never removed: if it is in the future it is kept for
 * skew; otherwise it is first in the walk and any count > 0 keeps it; with all
 * counts 0 everything is kept. Counts may be `Infinity` (restic's "unlimited").
 *
 * Cost: one sort, O(n log n), then one O(n) pass.
 */
import { SnapshotError } from './errors.ts'

export interface RetentionPolicy {
  hourly: number
  daily: number
  weekly: number
}

export interface SnapshotRef {
  name: string
  time: Date
}

export interface KeptSnapshot extends SnapshotRef {
  reasons: string[]
}

/** Both lists newest first. */
export interface RetentionPlan {
  keep: KeptSnapshot[]
  remove: SnapshotRef[]
}

export const CLOCK_SKEW_REASON = 'newer than now (clock skew)'
export const EMPTY_POLICY_REASON = 'policy is empty'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** ISO 8601 week of `time` in UTC: weeks run Monday to Sunday and belong to the year of their Thursday. */
export function isoWeek(time: Date): { year: number; week: number } {
  const day = Math.floor(time.getTime() / DAY_MS) // days since 1970-01-01, a Thursday
  const thursday = day - ((((day + 3) % 7) + 7) % 7) + 3 // Monday of this week, plus 3
  const year = new Date(thursday * DAY_MS).getUTCFullYear()
  const jan1 = Date.UTC(year, 0, 1) / DAY_MS
  return { year, week: Math.floor((thursday - jan1) / 7) + 1 }
}

const BUCKETS: readonly { kind: keyof RetentionPolicy; key: (ms: number, time: Date) => number }[] = [
  { kind: 'hourly', key: (ms) => Math.floor(ms / HOUR_MS) },
  { kind: 'daily', key: (ms) => Math.floor(ms / DAY_MS) },
  {
    kind: 'weekly',
    key: (_ms, time) => {
      const w = isoWeek(time)
      return w.year * 100 + w.week
    },
  },
]

function checkInputs(snapshots: readonly SnapshotRef[], policy: RetentionPolicy, now: Date): void {
  for (const { kind } of BUCKETS) {
    const n = policy[kind]
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw new SnapshotError(`policy.${kind}`, `should be a whole number >= 0 (or Infinity for unlimited), found ${n}`)
    }
  }
  if (Number.isNaN(now.getTime())) throw new SnapshotError('now', 'is an invalid Date')
  snapshots.forEach((s, i) => {
    if (Number.isNaN(s.time.getTime())) throw new SnapshotError(`snapshots/${i} (${s.name})`, 'time is an invalid Date')
  })
}

export function planRetention(snapshots: readonly SnapshotRef[], policy: RetentionPolicy, now: Date): RetentionPlan {
  checkInputs(snapshots, policy, now)
  const sorted = [...snapshots].sort(
    (a, b) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  )
  const keep: KeptSnapshot[] = []
  const remove: SnapshotRef[] = []
  const nowMs = now.getTime()
  const empty = BUCKETS.every(({ kind }) => policy[kind] === 0)

  // Future snapshots sort first; they are kept and skipped by the walk.
  let first = 0
  while (first < sorted.length && sorted[first]!.time.getTime() > nowMs) {
    const s = sorted[first++]!
    keep.push({ name: s.name, time: s.time, reasons: [CLOCK_SKEW_REASON] })
  }

  const state = BUCKETS.map(({ kind }) => ({ count: policy[kind], last: NaN }))
  const oldest = sorted.length - 1
  for (let i = first; i < sorted.length; i++) {
    const s = sorted[i]!
    const reasons: string[] = []
    if (empty) {
      reasons.push(EMPTY_POLICY_REASON)
    } else {
      const ms = s.time.getTime()
      BUCKETS.forEach(({ kind, key }, b) => {
        const st = state[b]!
        if (st.count <= 0) return
        const val = key(ms, s.time)
        if (val === st.last && i !== oldest) return
        reasons.push(val === st.last ? `oldest ${kind} snapshot` : `${kind} snapshot`)
        st.last = val
        st.count -= 1
      })
    }
    if (reasons.length > 0) keep.push({ name: s.name, time: s.time, reasons })
    else remove.push({ name: s.name, time: s.time })
  }
  return { keep, remove }
}
