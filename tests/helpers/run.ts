// Run a real entry point (a make target or a built script) and capture what an operator would see.
import { spawnSync } from 'node:child_process'
import { REPO } from './config-copy.ts'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string; timeout?: number } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
  })
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

/** `make <target> VAR=…` from the repository root, quiet about directories. make exits 2 whenever a recipe fails. */
export function make(
  target: string,
  vars: Record<string, string> = {},
  opts: Parameters<typeof run>[2] = {},
): RunResult {
  return run('make', ['--no-print-directory', '-s', target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], opts)
}
