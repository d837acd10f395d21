// A throwaway KTRDR checkout (a git repo) for dev-env and deps-lock tests.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

export function fakeCheckout(opts: { ignore?: boolean; git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktrdr-app-'))
  if (opts.git !== false) spawnSync('git', ['init', '-q', dir])
  if (opts.ignore !== false) writeFileSync(join(dir, '.gitignore'), '.env.dev\n*.env.local\n*.secrets\n')
  return dir
}
