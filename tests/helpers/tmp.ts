// Temporary directories for tests and benches, removed when the process exits — a passing test need not
// clean up, and a failing one cannot.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []
process.once('exit', () => {
  for (const d of made)
    try {
      rmSync(d, { recursive: true, force: true })
    } catch {
      /* one that cannot go does not keep the rest */
    }
})

/** A fresh directory under the system temp dir (or `parent`), named `<prefix>XXXXXX`. */
export function tempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix))
  made.push(dir)
  return dir
}
