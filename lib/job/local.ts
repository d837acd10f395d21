// --local: the same scripts, run by bash on this machine.
import type { Executor, RunOptions } from './executor.ts'
import { openSession, runWithStdin } from './spawn.ts'

export const localExecutor: Executor = {
  label: 'local',
  run: (script: string, opts: RunOptions = {}) => runWithStdin('bash', ['-s'], script, opts),
  session: (opts: RunOptions = {}) => openSession('bash', ['-s'], opts),
}
