// Where the backup area's scripts run: the core host over SSH (one multiplexed connection for the whole
// run), or this machine with --local. Ctrl-C ends the remote shell; its EXIT trap cleans up.
import type { ProcessOutput } from 'zx/core'
import { type Config, hostOf } from '../config/model.ts'
import { OpsError } from '../errors.ts'
import type { Executor } from '../remote/executor.ts'
import { localExecutor } from '../remote/local.ts'
import { renderScript, type ScriptParts } from '../remote/script.ts'
import { closeConnections, sshExecutor, sshTarget, type SshTarget } from '../remote/ssh.ts'
import { lastStderrLine } from '../remote/stderr.ts'
import { events, onStepLine } from '../deploy/scripts.ts'
import { sshFailure } from '../deploy/outcome.ts'
import { CORRUPT_EXIT, LOCK_BUSY_EXIT } from './shell.ts'

export interface CoreTarget {
  exec: Executor
  /** "ktrdr-core" or "local". */
  where: string
  /** The core host's configured address (for when its name does not resolve). */
  address: string
  signal: AbortSignal
  /** Run a script; onStep hears each `::ktrdr step <name>` as it happens (for the task's progress line). */
  run(parts: ScriptParts, onStep?: (step: string) => void): Promise<ProcessOutput>
  /** Like run, but not stopped by Ctrl-C: for the cleanup after an interruption. */
  cleanup(parts: ScriptParts): Promise<ProcessOutput>
  close(): Promise<void>
}

/** Connect (lazily) to the core host, or to this machine; SIGINT/SIGTERM abort the running script. */
export function coreTarget(cfg: Config, local: boolean): CoreTarget {
  const host = hostOf(cfg, cfg.stack.core.host)
  const ssh: SshTarget | undefined = local ? undefined : sshTarget(cfg, host)
  const exec = ssh ? sshExecutor(ssh) : localExecutor
  const abort = new AbortController()
  const onSignal = () => abort.abort()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    exec,
    where: local ? 'local' : host.name,
    address: host.address,
    signal: abort.signal,
    run: (parts, onStep) =>
      exec.run(renderScript({ ...parts, watchStdin: true }), {
        holdStdin: true,
        signal: abort.signal,
        onLine: onStep && onStepLine(onStep),
      }),
    cleanup: (parts) => exec.run(renderScript(parts), { timeoutMs: 120_000 }),
    close: async () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      if (ssh) await closeConnections([ssh])
    },
  }
}

export const INTERRUPTED = 130

/** Turn a finished script into an error, if it failed: the `failed` event, the lock holder, or stderr's last line. */
export function scriptFailure(
  what: string,
  t: CoreTarget,
  out: { exitCode: number | null; stdout: string; stderr: string },
): OpsError | undefined {
  if (out.exitCode === 0) return undefined
  if (t.signal.aborted)
    return new OpsError(`${what}: interrupted; the script on ${t.where} was stopped and cleaned up after itself`, {
      exitCode: INTERRUPTED,
    })
  const ssh = sshFailure(what, t.exec.label, out, t.address)
  if (ssh) return ssh
  const ev = events(out.stdout)
  const locked = ev.find((e) => e.event === 'locked')
  if (out.exitCode === LOCK_BUSY_EXIT && locked)
    return new OpsError(`${what}: refused — the backups directory is locked by ${locked.detail}`, {
      hint: 'another backup, prune, restore or drill is running; if it died, remove the .ktrdr-backup.lock directory in the backups directory',
    })
  const failed = ev.filter((e) => e.event === 'failed').slice(-1)[0]
  const step = ev.filter((e) => e.event === 'step').slice(-1)[0]?.detail ?? 'start'
  const last = lastStderrLine(out.stderr)
  return new OpsError(
    `${what}: ${failed?.detail ?? `failed at step ${step} on ${t.where}: ${last || `exit ${out.exitCode}`}`}`,
    { exitCode: out.exitCode === CORRUPT_EXIT ? CORRUPT_EXIT : 1 },
  )
}
