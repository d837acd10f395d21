// Where a script runs: a host over SSH, or this machine (--local). Both run `bash -s` with the script on stdin.
import type { ProcessOutput } from 'zx/core'

export interface RunOptions {
  /** Keep stdin open until the script ends, so the remote side notices if we go away (see renderScript). */
  holdStdin?: boolean
  /** Kill the run after this many milliseconds. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Called with each stdout line as it arrives (progress markers). */
  onLine?: (line: string) => void
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv
}

/**
 * A script session: one `bash -s` whose script is written in parts. bash reads a script from a pipe as it
 * runs it, so a first part (read-only checks) can run while the caller decides whether to send the rest.
 * `until(line)` resolves with the output so far at the first stdout line the test accepts, or when the
 * process ends (then `ended` is true). Closing stdin (end) makes bash exit after what it was given.
 */
export interface ScriptSession {
  send(part: string): void
  end(): void
  until(accept: (line: string) => boolean): Promise<{ stdout: string; ended: boolean }>
  done: Promise<ProcessOutput>
}

export interface Executor {
  /** What to call it in messages: the host name, or "local". */
  readonly label: string
  run(script: string, opts?: RunOptions): Promise<ProcessOutput>
  /** One `bash -s` fed in parts (see openSession). */
  session(opts?: RunOptions): ScriptSession
}
