// Which backups to delete: a pure planner. Only verified backups count, ordered by their manifest time
// (never by file name); the newest verified backup is never deleted; nothing at all is deleted when the
// newest verified backup is older than the guard (backups have stopped: keep what exists); one run
// deletes at most a bounded number, oldest first. Every kept backup says why.

export interface RetainInput {
  name: string
  time: Date
  verified: boolean
  kind: 'daily' | 'pre-restore' | 'legacy'
}

export interface RetentionPolicy {
  keepDays: number
  guardHours: number
  maxDeletions: number
}

export interface Decision {
  name: string
  time: Date
  reason: string
}

export interface RetentionPlan {
  delete: Decision[]
  keep: Decision[]
  /** Set when the guard stopped all deletion. */
  guard?: string
}

const HOUR = 3_600_000

export function planRetention(entries: RetainInput[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const byTime = [...entries].sort((a, b) => b.time.getTime() - a.time.getTime() || b.name.localeCompare(a.name))
  const newest = byTime.find((e) => e.verified && e.kind === 'daily' && e.time.getTime() <= now.getTime())
  const cutoff = now.getTime() - policy.keepDays * 24 * HOUR
  const keep: Decision[] = []
  const candidates: RetainInput[] = []
  let guard: string | undefined
  if (!newest) guard = 'no verified backup exists: nothing is pruned'
  else if (now.getTime() - newest.time.getTime() > policy.guardHours * HOUR)
    guard =
      `the newest verified backup (${newest.name}) is ` +
      `${Math.floor((now.getTime() - newest.time.getTime()) / HOUR)} h old, ` +
      `more than prune_guard_hours (${policy.guardHours} h): ` +
      `backups may have stopped, nothing is pruned`
  for (const e of byTime) {
    const k = (reason: string) => keep.push({ name: e.name, time: e.time, reason })
    if (!e.verified)
      k(
        e.kind === 'legacy'
          ? 'plain .sql.gz without a manifest: not managed by retention'
          : 'not verified (no valid manifest): never counted, never deleted; inspect it by hand',
      )
    else if (e === newest) k('newest verified backup (never deleted)')
    else if (e.time.getTime() > now.getTime()) k('newer than now (clock skew): kept')
    else if (e.time.getTime() >= cutoff) k(`within keep_days (${policy.keepDays} d)`)
    else if (guard) k(`older than keep_days, but ${guard.split(':')[0]}`)
    else candidates.push(e)
  }
  // Oldest first, at most maxDeletions; the rest wait for the next run.
  candidates.reverse()
  const del = candidates
    .slice(0, policy.maxDeletions)
    .map((e) => ({ name: e.name, time: e.time, reason: `older than keep_days (${policy.keepDays} d)` }))
  for (const e of candidates.slice(policy.maxDeletions))
    keep.push({
      name: e.name,
      time: e.time,
      reason: `older than keep_days, over max_deletions_per_run (${policy.maxDeletions}): next run`,
    })
  keep.sort((a, b) => b.time.getTime() - a.time.getTime() || b.name.localeCompare(a.name))
  return { delete: del, keep, guard }
}
