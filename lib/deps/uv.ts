// Run uv in the app checkout and turn its failures into errors that carry uv's own message (never a stack
// trace) and say what to do next.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { $, which } from 'zx/core'
import { OpsError } from '../errors.ts'

export const UV_INSTALL_HINT =
  'install uv: curl -LsSf https://astral.sh/uv/install.sh | sh ' +
  '(or brew install uv, pipx install uv); CI: astral-sh/setup-uv'

export async function requireUv(): Promise<string> {
  const path = await which('uv', { nothrow: true })
  if (!path) throw new OpsError('uv is not installed (not found on PATH)', { hint: UV_INSTALL_HINT, exitCode: 127 })
  return path
}

export function requireProject(app: string): void {
  if (!existsSync(app))
    throw new OpsError(`KTRDR checkout not found: ${app}`, {
      hint: 'pass APP=<path to your KTRDR checkout> (default ../ktrdr)',
      exitCode: 2,
    })
  if (!existsSync(join(app, 'pyproject.toml')))
    throw new OpsError(`${join(app, 'pyproject.toml')} not found: APP must be the root of the KTRDR checkout`, {
      hint: 'pass APP=<path to your KTRDR checkout>',
      exitCode: 2,
    })
}

export interface UvResult {
  code: number
  stdout: string
  stderr: string
}

export async function uv(app: string, argv: string[]): Promise<UvResult> {
  const p = await $({ cwd: app, quiet: true, nothrow: true })`${argv}`
  return { code: p.exitCode ?? 1, stdout: p.stdout, stderr: p.stderr }
}

/** What went wrong, from uv's stderr, and the next step. uv's message is kept whole. */
export function uvFailure(app: string, what: string, r: UvResult): OpsError {
  const msg = r.stderr
    .replace(/^warning: Failed to parse `pyproject\.toml` during settings discovery:[\s\S]*?\n\n/, '')
    .trim()
  const pyproject = join(app, 'pyproject.toml')
  let hint = `see uv's message above; rerun with VERBOSE=1 for the full output`
  if (/Failed to parse|TOML parse error|\[project\]/.test(msg))
    hint = `fix ${pyproject} where uv points, then rerun make deps-lock APP=${app}`
  else if (/No solution found/.test(msg))
    hint = `relax or fix the requirement uv names in ${pyproject}, then rerun make deps-lock APP=${app}`
  else if (/needs to be updated|Unable to find lockfile/.test(msg))
    hint = `run make deps-lock APP=${app} and commit pyproject.toml, uv.lock and requirements.lock.txt`
  return new OpsError(`${what} failed in ${app} (uv exit ${r.code}):\n${msg}`, { hint, exitCode: r.code === 2 ? 2 : 1 })
}
