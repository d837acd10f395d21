// Where a script runs: a host over SSH, or this machine (--local). Both run `bash -s` with the script on stdin.
import type { ProcessOutput } from 'zx/core'
import type { ScriptSession } from './spawn.ts'

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

export interface Executor {
  /** What to call it in messages: the host name, or "local". */
  readonly label: string
  run(script: string, opts?: RunOptions): Promise<ProcessOutput>
  /** One `bash -s` fed in parts (see openSession). */
  session(opts?: RunOptions): ScriptSession
}
