// A throwaway KTRDR checkout (a git repo) for dev-env and deps-lock tests.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { tempDir } from './tmp.ts'

export function fakeCheckout(opts: { ignore?: boolean; git?: boolean } = {}): string {
  const dir = tempDir('ktrdr-app-')
  if (opts.git !== false) spawnSync('git', ['init', '-q', dir])
  if (opts.ignore !== false) writeFileSync(join(dir, '.gitignore'), '.env.dev\n*.env.local\n*.secrets\n')
  return dir
}
