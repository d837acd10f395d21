// Facts about the developer's KTRDR checkout that dev-env must check before writing anything.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from 'zx/core'
import { OpsError } from '../errors.ts'

export function requireCheckout(app: string): void {
  if (!existsSync(app) || !statSync(app).isDirectory())
    throw new OpsError(`KTRDR checkout not found: ${app}`, {
      hint: 'pass APP=<path to your KTRDR checkout> (make) or --app <path>',
      exitCode: 2,
    })
}

/** .env.dev must be git-ignored in the checkout, or a secret could be committed by accident. */
export async function requireIgnored(app: string, file = '.env.dev'): Promise<void> {
  const p = await $({ cwd: app, quiet: true, nothrow: true })`git check-ignore -q ${file}`
  if (p.exitCode === 0) return
  if (p.exitCode === 1)
    throw new OpsError(
      `${join(app, file)} is not git-ignored in ${app}: refusing to write secrets where git could pick them up`,
      {
        hint:
          `add the lines of templates/gitignore.dev (.env.dev, *.env.local, *.secrets) ` +
          `to ${join(app, '.gitignore')}, then retry`,
        exitCode: 2,
      },
    )
  throw new OpsError(`${app} is not a git checkout (git check-ignore: ${p.stderr.trim().split('\n')[0]})`, {
    hint: 'point APP at the root of your KTRDR git checkout',
    exitCode: 2,
  })
}
