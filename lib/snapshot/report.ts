// What snapshot-list and snapshot-prune print: one row per snapshot with its plan, and the reasons.
import { formatAge } from './clock.ts'
import { describePolicy } from './config.ts'
import type { RetentionPlan, RetentionPolicy } from './retention.ts'

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z')

export interface Row {
  name: string
  time: string
  age: string
  /** keep, remove (or what the caller calls it: would go, gone) */
  plan: string
  why: string
}

/** Newest first, as the planner walks them. */
export function planRows(plan: RetentionPlan, policy: RetentionPolicy, now: Date, removeLabel = 'remove'): Row[] {
  const outside = `outside the policy (${describePolicy(policy)})`
  const rows = [
    ...plan.keep.map((s) => ({ s, plan: 'keep', why: s.reasons.join(', ') })),
    ...plan.remove.map((s) => ({ s, plan: removeLabel, why: outside })),
  ]
  return rows
    .sort((a, b) => b.s.time.getTime() - a.s.time.getTime() || (a.s.name < b.s.name ? 1 : -1))
    .map(({ s, plan, why }) => ({
      name: s.name,
      time: iso(s.time),
      age: formatAge(now.getTime() - s.time.getTime()),
      plan,
      why,
    }))
}

export function formatTable(rows: Row[]): string[] {
  const w = (k: keyof Row, head: string) => Math.max(head.length, ...rows.map((r) => r[k].length))
  const [wn, wt, wa, wp] = [w('name', 'NAME'), w('time', 'TIME (UTC)'), w('age', 'AGE'), w('plan', 'PLAN')]
  const line = (n: string, t: string, a: string, p: string, y: string) =>
    `${n.padEnd(wn)}  ${t.padEnd(wt)}  ${a.padEnd(wa)}  ${p.padEnd(wp)}  ${y}`.trimEnd()
  return [
    line('NAME', 'TIME (UTC)', 'AGE', 'PLAN', 'WHY'),
    ...rows.map((r) => line(r.name, r.time, r.age, r.plan, r.why)),
  ]
}

/** The header every listing starts with: what, where, which clock, which policy. */
export function header(where: string, target: string, now: Date, injected: boolean, policy: RetentionPolicy): string[] {
  return [
    `snapshots of ${target} on ${where}`,
    `now: ${iso(now)} (${injected ? 'injected with --now / KTRDR_NOW' : "the host's clock"}); ` +
      `policy: ${describePolicy(policy)}`,
  ]
}

export { iso }
