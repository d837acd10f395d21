// Facts about the app checkout that a build needs: HEAD, whether the tree is clean, where it came from.
import { existsSync } from 'node:fs'
import { $ } from 'zx/core'
import { OpsError } from '../errors.ts'

export interface CheckoutFacts {
  head: string
  short: string
  /** `git status --porcelain` lines: modified, staged and untracked (not ignored) paths. */
  dirty: string[]
  /** `git remote get-url origin`, when there is one. */
  origin?: string
}

export async function checkoutFacts(app: string): Promise<CheckoutFacts> {
  if (!existsSync(app))
    throw new OpsError(`KTRDR checkout not found: ${app}`, {
      hint: 'pass APP=<path to your KTRDR checkout> (default ../ktrdr)',
      exitCode: 2,
    })
  const git = $({ cwd: app, quiet: true, nothrow: true })
  const head = await git`git rev-parse --verify HEAD`
  if (head.exitCode !== 0)
    throw new OpsError(`${app} is not a git checkout with a commit (git: ${head.stderr.trim().split('\n')[0]})`, {
      hint: 'point APP at the root of your KTRDR git checkout; the image tag and revision label come from its HEAD',
      exitCode: 2,
    })
  const short = (await git`git rev-parse --short=7 HEAD`).stdout.trim()
  const status = await git`git status --porcelain --untracked-files=normal`
  const origin = await git`git remote get-url origin`
  return {
    head: head.stdout.trim(),
    short,
    dirty: status.stdout.split('\n').filter(Boolean),
    origin: origin.exitCode === 0 ? origin.stdout.trim() : undefined,
  }
}
