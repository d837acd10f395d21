// No silent skips: a test whose tool is missing fails, saying what to install. Skipping needs the explicit
// opt-in KTRDR_TEST_ALLOW_SKIP=1, which .ci/run never sets (not CI: that also changes the tag policy).
import { spawnSync } from 'node:child_process'

/** True when `tool` is on the PATH; false (with a note) only under KTRDR_TEST_ALLOW_SKIP=1; else it throws. */
export function needs(tool: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return true
  if (process.env.KTRDR_TEST_ALLOW_SKIP === '1') {
    console.log(`    (skipped: ${tool} is not installed, and KTRDR_TEST_ALLOW_SKIP=1)`)
    return false
  }
  throw new Error(`${tool} is not installed: make test needs it (lab/install-engines.sh installs it)`)
}
