// Where a job runs: one host over SSH (one multiplexed connection for the run, or exactly one session), or this
// machine with --local. Ctrl-C and TERM abort the running script: its shell gets TERM (the stdin watcher) and
// its EXIT trap cleans up. Every area runs its jobs through this and reads the outcome with jobFailure.
import type { ProcessOutput } from 'zx/core'
import { type Config, hostOf } from '../config/model.ts'
import type { Executor, RunOptions } from './executor.ts'
import { jobFailure, type FailureTable, type JobPlace } from './failure.ts'
import { localExecutor } from './local.ts'
import { onStepLine } from './protocol.ts'
import { renderScript, type ScriptParts } from './render.ts'
import type { ScriptSession } from './spawn.ts'
import { closeConnections, sshExecutor, sshTarget, type SshTarget } from './ssh.ts'

export interface JobHost {
  /** The host's name, or "local". */
  name: string
  /** "ktrdr-core (ssh root@ktrdr-core.internal)" or "this machine (--local)". */
  label: string
  ssh?: SshTarget
  exec: Executor
  signal: AbortSignal
  /** Where, for jobFailure: the label given, this host's target and address, whether Ctrl-C came. */
  place(label?: string): JobPlace
  /** Run a script (stdin held open, so the remote side notices if we go); onStep hears each `step` event. */
  run(parts: ScriptParts, onStep?: (step: string) => void): Promise<ProcessOutput>
  /** run, then jobFailure: throws the error the run means. */
  runOrThrow(
    parts: ScriptParts,
    o?: { label?: string; table?: FailureTable; onStep?: (s: string) => void },
  ): Promise<ProcessOutput>
  /** Like run, but not stopped by Ctrl-C: for the cleanup after an interruption. */
  cleanup(parts: ScriptParts): Promise<ProcessOutput>
  session(opts?: RunOptions): ScriptSession
  close(): Promise<void>
}

export interface JobHostOptions {
  local?: boolean
  /** One ssh master for the run's sessions (default), or none for a run of exactly one session. */
  multiplex?: boolean
  /** Abort with this signal instead of this host's own Ctrl-C handler (a run over several hosts shares one). */
  signal?: AbortSignal
}

export function jobHost(cfg: Config, hostName: string, o: JobHostOptions = {}): JobHost {
  const host = hostOf(cfg, hostName)
  const ssh = o.local ? undefined : sshTarget(cfg, host, { multiplex: o.multiplex ?? true })
  const exec = ssh ? sshExecutor(ssh) : localExecutor
  const own = o.signal ? undefined : new AbortController()
  const signal = o.signal ?? own!.signal
  const onSignal = () => own?.abort()
  if (own) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const label = ssh ? `${host.name} (ssh ${ssh.target})` : 'this machine (--local)'
  const place = (l = label): JobPlace => ({
    label: l,
    target: ssh?.target,
    address: host.address,
    where: o.local ? 'local' : host.name,
    aborted: signal.aborted,
  })
  const run = (parts: ScriptParts, onStep?: (step: string) => void) =>
    exec.run(renderScript({ ...parts, watchStdin: true }), {
      holdStdin: true,
      signal,
      onLine: onStep && onStepLine(onStep),
    })
  return {
    name: o.local ? 'local' : host.name,
    label,
    ssh,
    exec,
    signal,
    place,
    run,
    async runOrThrow(parts, r = {}) {
      const out = await run(parts, r.onStep)
      const err = jobFailure(place(r.label), out, r.table)
      if (err) throw err
      return out
    },
    cleanup: (parts) => exec.run(renderScript(parts), { timeoutMs: 120_000 }),
    session: (opts = {}) => exec.session({ signal, ...opts }),
    close: async () => {
      if (own) {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
      if (ssh) await closeConnections([ssh])
    },
  }
}
