// A throwaway copy of the shipped config set, optionally edited, for tests that break config on purpose.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDir } from './tmp.ts'

export const REPO = resolve(import.meta.dirname, '../..')
export const HOMELAB = join(REPO, 'infra/homelab')

export type Edit = { file: 'stack-config.yml' | 'worker-nodes.yml' | 'secrets.yml'; from: string | RegExp; to: string }

/** A copy of `source` with `edits`, under the system temp dir (or `parent`: one a lab host sees too). */
export function configCopy(edits: Edit[] = [], source = HOMELAB, parent?: string): string {
  const dir = tempDir('ktrdr-config-', parent)
  cpSync(source, dir, { recursive: true })
  for (const e of edits) {
    const path = join(dir, e.file)
    const before = readFileSync(path, 'utf8')
    const after = before.replace(e.from, e.to)
    if (after === before) throw new Error(`test edit did not apply to ${e.file}: ${String(e.from)}`)
    writeFileSync(path, after)
  }
  return dir
}
