// The bash of the remote jobs lives in .sh files beside the TypeScript that binds their variables. A dist/ bundle
// carries them (build.mjs puts every lib/**/*.sh into it), so a bundle and its scripts are always of one
// version, whatever the checkout holds after a pull; under tsx (tests) they are read from lib/.
import { readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OpsError } from '../errors.ts'

const here = dirname(fileURLToPath(import.meta.url))
/** lib/ of the checkout: ../ from lib/job/, ../lib from dist/. */
export const LIB_DIR = basename(here) === 'dist' ? resolve(here, '../lib') : resolve(here, '..')

declare const __KTRDR_LIB_FILES__: Record<string, string> | undefined
const bundled: Record<string, string> | undefined =
  typeof __KTRDR_LIB_FILES__ === 'undefined' ? undefined : __KTRDR_LIB_FILES__

const cache = new Map<string, string>()

/** The text of lib/<path> (a job's .sh or .sql file). */
export function libFile(path: string): string {
  if (bundled) {
    const text = bundled[path]
    if (text === undefined) throw new OpsError(`internal: ${path} is not in this bundle (rebuild: make setup)`)
    return text
  }
  let text = cache.get(path)
  if (text === undefined) {
    try {
      text = readFileSync(join(LIB_DIR, path), 'utf8')
    } catch (e) {
      throw new OpsError(`cannot read ${join(LIB_DIR, path)}: ${(e as Error).message}`, {
        hint: 'run the toolkit from a complete checkout (make setup), not from a copied dist/ alone',
      })
    }
    cache.set(path, text)
  }
  return text
}
