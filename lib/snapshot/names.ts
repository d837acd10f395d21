/**
 * Snapshot names carry their UTC creation time, second resolution:
 *
 *   ktrdr-2026-11-27T12-00-00Z
 *
 * The same string is the btrfs subvolume name (`<snapshotDir>/<name>`) and the
 * ZFS snapshot component (`tank/ktrdr-shared@<name>`). `@` is ZFS's separator
 * and may not appear inside the component, so the name itself has none.
 * Colons are valid for ZFS but are avoided: rsync and scp read `x:y` as a
 * remote host. What remains ([A-Za-z0-9_.-]) is valid for both file systems
 * and needs no quoting anywhere.
 */
import { SnapshotError } from './errors.ts'

export const DEFAULT_PREFIX = 'ktrdr'

/** Characters ZFS allows in a snapshot component, minus `:` and space (see above). */
const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const STAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})Z$/

export function assertPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) {
    throw new SnapshotError(
      'snapshot.prefix',
      `should be 1-64 letters, digits, '_', '.' or '-' starting with a letter or digit, ` +
        `found ${JSON.stringify(prefix)}`,
    )
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** `ktrdr-2026-11-27T12-00-00Z` for 2026-11-27T12:00:00.xxxZ (milliseconds are dropped). */
export function formatSnapshotName(time: Date, prefix: string = DEFAULT_PREFIX): string {
  assertPrefix(prefix)
  const ms = time.getTime()
  if (Number.isNaN(ms)) throw new SnapshotError('time', 'is an invalid Date')
  const y = time.getUTCFullYear()
  if (y < 1000 || y > 9999) throw new SnapshotError('time', `year ${y} does not fit a four-digit name`)
  return (
    `${prefix}-${y}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())}` +
    `T${pad(time.getUTCHours())}-${pad(time.getUTCMinutes())}-${pad(time.getUTCSeconds())}Z`
  )
}

/**
 * The time encoded in one of our names, or `null` for anything else: other
 * prefixes, zfs-auto-snap or Proxmox snapshots, hand-made names, impossible
 * dates such as 2026-02-30. Never throws on foreign input.
 */
export function parseSnapshotName(name: string, prefix: string = DEFAULT_PREFIX): Date | null {
  assertPrefix(prefix)
  if (!name.startsWith(`${prefix}-`)) return null
  const m = STAMP_RE.exec(name.slice(prefix.length + 1))
  if (!m) return null
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  const time = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  // Date.UTC rolls 2026-02-30 over to March 2; a round trip rejects it.
  return formatSnapshotName(time, prefix) === name ? time : null
}

/** Our snapshots among `names`, with their times; foreign names are left out. */
export function ownSnapshots(
  names: readonly string[],
  prefix: string = DEFAULT_PREFIX,
): { name: string; time: Date }[] {
  const out: { name: string; time: Date }[] = []
  for (const name of names) {
    const time = parseSnapshotName(name, prefix)
    if (time) out.push({ name, time })
  }
  return out
}
