// Where the snapshot scripts run (the core host over SSH, or this machine with --local: lib/job/host.ts) and what
// their output means: `::ktrdr` events, list sections, and failures turned into one sentence with the next step.
import type { Config } from '../config/model.ts'
import { OpsError } from '../errors.ts'
import type { FailureTable } from '../job/failure.ts'
import { jobHost } from '../job/host.ts'
import { lockOwner } from '../job/lock.ts'
import { events, type JobEvent } from '../job/protocol.ts'
import type { ScriptParts } from '../job/render.ts'
import { lastStderrLine } from '../job/stderr.ts'
import type { SnapshotTarget } from './commands.ts'
import { ownSnapshots } from './names.ts'
import type { SnapshotRef } from './retention.ts'
import { parseZfsSnapshotList } from './zfs-list.ts'

export interface SnapshotHost {
  label: string
  run(parts: ScriptParts): Promise<{ stdout: string; events: JobEvent[] }>
  close(): Promise<void>
}

/** Who holds a snapshot lock (lib/job/lock.ts), for the refusal of another job and the audit trail. */
export const owner = (job: 'snapshot' | 'snapshot-copy' | 'snapshot-prune' = 'snapshot'): string => lockOwner(job)

const withStderr = (text: string, stderr: string) =>
  `${text}${lastStderrLine(stderr) ? `\n${lastStderrLine(stderr)}` : ''}`

export function snapshotHost(cfg: Config, host: string, local: boolean, signal?: AbortSignal): SnapshotHost {
  const h = jobHost(cfg, host, { local, signal })
  const label = h.ssh ? `${host} (ssh ${h.ssh.target})` : 'this machine (--local)'
  const table: FailureTable = Object.fromEntries(
    (
      [
        ['exists', 'a snapshot with this name already exists'],
        ['not-readonly', 'the snapshot was not read-only and was removed'],
        ['refused-newest', 'refused to delete the newest snapshot'],
        ['copy-failed', 'copy failed'],
      ] as const
    ).map(([event, text]) => [event, (d, out) => new OpsError(withStderr(`${label}: ${text}: ${d}`, out.stderr))]),
  )
  table.missing = (d) =>
    new OpsError(`${label}: ${d}`, {
      hint: 'fix the host or the snapshots: section of stack-config.yml, then run again',
    })
  return {
    label,
    async run(parts) {
      const out = await h.runOrThrow(parts, { label, table })
      return { stdout: out.stdout, events: events(out.stdout) }
    },
    close: () => h.close(),
  }
}

/** Lines between `::ktrdr section <name>` and `::ktrdr section end`. */
export function section(stdout: string, name: string): string[] {
  const out: string[] = []
  let inside = false
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::ktrdr section ')) inside = line === `::ktrdr section ${name}`
    else if (inside && line !== '') out.push(line)
  }
  return out
}

export interface Listing {
  /** The host's clock when it listed. */
  hostNow: Date
  own: SnapshotRef[]
  /** Names in the directory / dataset that are not ours (never touched). */
  foreign: string[]
}

/** Snapshot names from a list section: directory entries (btrfs) or `zfs list -H -p` lines (ZFS). */
export function parseListing(t: SnapshotTarget, stdout: string, prefix: string, name = 'snapshots'): Listing {
  const lines = section(stdout, name)
  const names = t.backend === 'btrfs' ? lines : parseZfsSnapshotList(lines.join('\n')).map((z) => z.name)
  const own = ownSnapshots(names, prefix)
  const ownNames = new Set(own.map((s) => s.name))
  const now = events(stdout).find((e) => e.event === 'now')?.detail
  return {
    hostNow: new Date(Number(now ?? NaN) * 1000),
    own,
    foreign: names.filter((n) => !ownNames.has(n) && !n.startsWith('.ktrdr-')),
  }
}
