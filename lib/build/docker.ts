// Run one docker command line (an argv from commands.ts). Quiet unless --verbose; a failure becomes an
// OpsError carrying the end of the log, so the operator sees docker's reason, not a stack trace.
import { $ } from 'zx/core'
import { OpsError } from '../errors.ts'
import { render } from './commands.ts'

export interface DockerRun {
  log: string
  stdout: string
}

export async function docker(
  argv: string[],
  opts: { verbose?: boolean; env?: NodeJS.ProcessEnv; what: string; hint?: string },
): Promise<DockerRun> {
  const p = await $({ quiet: !opts.verbose, nothrow: true, env: opts.env ?? process.env })`${argv}`
  const log = `${p.stdout}\n${p.stderr}`
  if (p.exitCode !== 0) {
    const tail = log
      .split('\n')
      .filter((l) => l.trim() && !/^\s*(DEPRECATED|Install the buildx|https:\/\/docs\.docker\.com\/go\/buildx)/.test(l))
      .slice(-15)
      .join('\n')
    throw new OpsError(`${opts.what} failed (exit ${p.exitCode}): ${render(argv)}\n${tail}`, {
      hint:
        p.exitCode === 127
          ? 'docker is not on PATH: install Docker Engine (or Docker Desktop) and retry'
          : (opts.hint ?? 'rerun with VERBOSE=1 to see the whole log'),
      exitCode: p.exitCode === 127 ? 2 : 1,
    })
  }
  return { log, stdout: p.stdout }
}
