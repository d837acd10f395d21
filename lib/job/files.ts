// The bash of the remote jobs lives in .sh files beside the TypeScript that binds their variables. They are
// read from the checkout at run time (the toolkit always runs from one: make, the timers' WorkingDirectory),
// both from lib/ under tsx and from the dist/ bundles, which sit one level below the checkout's root.
import { readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OpsError } from '../errors.ts'

const here = dirname(fileURLToPath(import.meta.url))
/** lib/ of the checkout: ../ from lib/job/, ../lib from dist/. */
export const LIB_DIR = basename(here) === 'dist' ? resolve(here, '../lib') : resolve(here, '..')

const cache = new Map<string, string>()

/** The text of lib/<path> (a job's .sh or .sql file). */
export function libFile(path: string): string {
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
