// The middle layer's doubles: stand-ins for docker, psql, systemctl … on PATH, each a few lines of bash that
// log their argv (one line per call, NUL-free) and answer as the test says — so a rendered job runs as it
// would on a host, in seconds and without the lab. Only for the tools around the logic under test: the
// logic itself (the .sh files) runs for real, under bash.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './tmp.ts'

export interface Stubs {
  bin: string
  log: string
  /** PATH with the stubs first. */
  path: string
  /** Every call so far, as "tool arg arg …" lines. */
  calls(): string[]
}

/** `tools`: name → bash body (runs with the call's argv in "$@"; default: exit 0). */
export function stubs(tools: Record<string, string>): Stubs {
  const bin = tempDir('ktrdr-stubs-')
  const log = join(bin, 'calls.log')
  writeFileSync(log, '')
  for (const [name, body] of Object.entries(tools)) {
    const file = join(bin, name)
    writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> ${JSON.stringify(log)}\n${body || 'exit 0'}\n`)
    chmodSync(file, 0o755)
  }
  return {
    bin,
    log,
    path: `${bin}:${process.env.PATH}`,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  }
}
