// --local: the same scripts, run by bash on this machine.
import type { Executor, RunOptions } from './executor.ts'
import { framedSession, openSession, runWithStdin } from './spawn.ts'
import { framed } from './render.ts'

export const localExecutor: Executor = {
  label: 'local',
  run: (script: string, opts: RunOptions = {}) => runWithStdin('bash', ['-s'], framed(script), opts),
  session: (opts: RunOptions = {}) => framedSession(openSession('bash', ['-s'], opts)),
}
