// Where the snapshot scripts run (the core host over SSH, or this machine with --local) and what their output
// means: `::ktrdr` events, list sections, and failures turned into one sentence with the next step.
import { hostname, userInfo } from 'node:os'
import type { Config } from '../config/model.ts'
import { hostOf } from '../config/model.ts'
import { sshFailure } from '../deploy/outcome.ts'
import { events } from '../deploy/scripts.ts'
import { OpsError } from '../errors.ts'
import type { Executor } from '../remote/executor.ts'
import { localExecutor } from '../remote/local.ts'
import { renderScript, type ScriptParts } from '../remote/script.ts'
import { closeConnections, sshExecutor, sshTarget } from '../remote/ssh.ts'
import type { SnapshotTarget } from './commands.ts'
import { ownSnapshots } from './names.ts'
import type { SnapshotRef } from './retention.ts'
import { LOCK_BUSY_EXIT, LOCK_WAIT_S } from './scripts.ts'
import { parseZfsSnapshotList } from './zfs-list.ts'
import { lastStderrLine } from '../remote/stderr.ts'

export interface SnapshotHost {
  label: string
  run(parts: ScriptParts): Promise<{ stdout: string; events: { event: string; detail: string }[] }>
  close(): Promise<void>
}

/** Who holds a lock, for the lock file and the audit trail. */
export function owner(): string {
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    /* no passwd entry (containers) */
  }
  return `${user}@${hostname()} pid ${process.pid} since ${new Date().toISOString()}`
}

const lastLine = lastStderrLine

export function snapshotHost(cfg: Config, host: string, local: boolean, signal?: AbortSignal): SnapshotHost {
  const target = local ? undefined : sshTarget(cfg, hostOf(cfg, host))
  const exec: Executor = target ? sshExecutor(target) : localExecutor
  const label = target ? `${host} (ssh ${target.target})` : 'this machine (--local)'
  return {
    label,
    async run(parts) {
      const out = await exec.run(renderScript(parts), { holdStdin: parts.watchStdin, signal })
      const ev = events(out.stdout)
      if (out.exitCode === 0) return { stdout: out.stdout, events: ev }
      if (signal?.aborted)
        throw new OpsError(`${label}: interrupted; the remote shell was ended and its lock released`, { exitCode: 130 })
      if (target) {
        const ssh = sshFailure(host, target.target, out, hostOf(cfg, host).address)
        if (ssh) throw ssh
      }
      const find = (name: string) => ev.find((e) => e.event === name)?.detail
      if (out.exitCode === LOCK_BUSY_EXIT) {
        throw new OpsError(
          `${label}: another snapshot job held the lock for ${LOCK_WAIT_S}s (last taken by ${find('locked') ?? 'unknown'})`,
          {
            hint: 'wait for it to finish and run again (the lock is released when that job exits, however it exits)',
            exitCode: LOCK_BUSY_EXIT,
          },
        )
      }
      const missing = find('missing')
      if (missing)
        throw new OpsError(`${label}: ${missing}`, {
          hint: 'fix the host or the snapshots: section of stack-config.yml, then run again',
        })
      for (const [event, text] of [
        ['exists', 'a snapshot with this name already exists'],
        ['not-readonly', 'the snapshot was not read-only and was removed'],
        ['refused-newest', 'refused to delete the newest snapshot'],
        ['copy-failed', 'copy failed'],
      ] as const) {
        const d = find(event)
        if (d) throw new OpsError(`${label}: ${text}: ${d}${lastLine(out.stderr) ? `\n${lastLine(out.stderr)}` : ''}`)
      }
      const step = ev.filter((e) => e.event === 'step').slice(-1)[0]?.detail ?? 'start'
      throw new OpsError(
        `${label}: failed at step "${step}" (exit ${out.exitCode}): ${lastLine(out.stderr) || 'no error output'}`,
      )
    },
    close: async () => {
      if (target) await closeConnections([target])
    },
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
