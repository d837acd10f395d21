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

/**
 * Variables that would change what uv does behind the command line: colour forced onto stdout (escape codes in
 * requirements.lock.txt), UV_LOCKED / UV_FROZEN (`uv lock` becomes a check, or does nothing), and settings
 * that would resolve or export differently from CI. The index, cache, Python and credential settings stay.
 */
export const UV_ENV_DROPPED = [
  'FORCE_COLOR',
  'CLICOLOR_FORCE',
  'UV_LOCKED',
  'UV_FROZEN',
  'UV_NO_DEV',
  'UV_DEV',
  'UV_NO_SYNC',
  'UV_NO_EDITABLE',
  'UV_ISOLATED',
  'UV_NO_CONFIG',
  'UV_RESOLUTION',
  'UV_PRERELEASE',
  'UV_EXCLUDE_NEWER',
  'UV_UPGRADE',
  'UV_UPGRADE_PACKAGE',
]

/** The environment uv runs in: this one, less UV_ENV_DROPPED, with colour off (NO_COLOR: no flag, so the
 * command uv writes into requirements.lock.txt's header stays CI's). */
export function uvEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, NO_COLOR: '1' }
  for (const k of UV_ENV_DROPPED) delete out[k]
  return out
}

export async function uv(app: string, argv: string[]): Promise<UvResult> {
  const p = await $({ cwd: app, quiet: true, nothrow: true, env: uvEnv() })`${argv}`
  return { code: p.exitCode ?? 1, stdout: p.stdout, stderr: p.stderr }
}

/** uv.lock no longer matches pyproject.toml (or is missing), as every uv from 0.7 to 0.12 words it: 0.7 exits 2
 * naming `--locked`, 0.8 and later exit 1 naming `--check` (the hint on its own line by 0.12). */
export function lockIsStale(r: UvResult): boolean {
  return /needs to be updated, but `--(check|locked)` was provided|Unable to find lockfile/.test(r.stderr)
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
  // deps-check's own contract (its --help): 2 for a stale or missing lock or a broken pyproject, whatever uv exits.
  const two = lockIsStale(r) || /Failed to parse|TOML parse error/.test(msg) || r.code === 2
  return new OpsError(`${what} failed in ${app} (uv exit ${r.code}):\n${msg}`, { hint, exitCode: two ? 2 : 1 })
}
