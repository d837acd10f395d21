// Shared by every stand-in: one JSON line per invocation in $STANDIN_LOG, argv only.
import { appendFileSync } from 'node:fs'

export function logInvocation(tool, argv) {
  const file = process.env.STANDIN_LOG
  if (!file) return
  appendFileSync(file, JSON.stringify({ tool, argv, time: new Date().toISOString() }) + '\n')
}

/** Write to stdout/stderr and exit only after both streams have drained. */
export function finish(code, { stdout = '', stderr = '' } = {}) {
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  process.stdout.write(stdout, done)
  process.stderr.write(stderr, done)
}

export function readStdin() {
  const chunks = []
  return new Promise((resolve, reject) => {
    process.stdin.on('data', (c) => chunks.push(c))
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)))
    process.stdin.on('error', reject)
  })
}
