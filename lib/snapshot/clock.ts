// The injectable clock: `--now <ISO time>` or KTRDR_NOW drive snapshot names and retention, so tests (and an
// operator asking "what would prune do next Monday?") can simulate any time. Without either, "now" is the
// snapshot host's clock (read by the list script), because that clock names the hourly timer's snapshots.
import { UsageError } from '../errors.ts'

/** ISO 8601 date-time with an explicit zone: 2026-11-27T12:00:00Z, 2026-11-27T13:00+01:00. */
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

export function parseNow(value: string, from: string): Date {
  const time = new Date(value)
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number]
  // Date rolls 2026-02-30 over to March 2; a day that does not exist in its month is an error.
  const realDay = new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d
  if (!ISO_RE.test(value) || Number.isNaN(time.getTime()) || !realDay) {
    throw new UsageError(
      `${from}: expected an ISO 8601 time with a zone, like 2026-11-27T12:00:00Z, found ${JSON.stringify(value)}`,
      "a time without Z or an offset would be read in this machine's zone; add Z for UTC",
    )
  }
  return time
}

/** --now wins over KTRDR_NOW; neither → undefined (use the host's clock). */
export function injectedNow(
  flag: string | boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Date | undefined {
  if (typeof flag === 'string' && flag !== '') return parseNow(flag, '--now')
  if (env.KTRDR_NOW) return parseNow(env.KTRDR_NOW, 'KTRDR_NOW')
  return undefined
}

/** `3h 05m`, `2d 04h`, `45s`; negative ages (clock skew) read `in 5m`. */
export function formatAge(ms: number): string {
  if (ms < 0) return `in ${formatAge(-ms)}`
  const s = Math.floor(ms / 1000)
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)]
  const two = (n: number) => String(n).padStart(2, '0')
  if (d > 0) return `${d}d ${two(h)}h`
  if (h > 0) return `${h}h ${two(m)}m`
  if (m > 0) return `${m}m ${two(s % 60)}s`
  return `${s}s`
}
