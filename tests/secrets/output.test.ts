// lib/cli/output.ts: say() and warn() write straight to fd 1 and 2 until something asks node for its stream, then
// through the stream; either way redacted, in order, and a reader that closes the pipe ends the job quietly.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { tempDir } from '../helpers/tmp.ts'

const SECRET = "s3cr'et $(x) \\ ü"
const job = (body: string) => {
  const dir = tempDir('ktrdr-output-')
  const file = join(dir, 'job.ts')
  writeFileSync(
    file,
    `import { installRedaction, say, warn } from ${JSON.stringify(join(REPO, 'lib/cli/output.ts'))}\n` +
      `import { registerSecret } from ${JSON.stringify(join(REPO, 'lib/redactor.ts'))}\n` +
      `installRedaction()\nregisterSecret(process.env.S!)\n${body}\n`,
  )
  return { dir, file }
}
const run = (file: string, shell?: string) =>
  spawnSync(shell ? 'bash' : join(REPO, 'node_modules/.bin/tsx'), shell ? ['-c', shell] : [file], {
    encoding: 'utf8',
    env: { ...process.env, S: SECRET, F: file, TSX: join(REPO, 'node_modules/.bin/tsx') },
  })

const BODY = `say('one ' + process.env.S)
warn('err ' + process.env.S)
console.log('two ' + process.env.S) // node's stream from here on
say('three ' + process.env.S)
process.stdout.write('four\\n')
say('five')`

test('to a pipe: redacted, in order, before and after the stream exists', () => {
  const { file } = job(BODY)
  const r = run(file)
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, 'one ••••••\ntwo ••••••\nthree ••••••\nfour\nfive\n')
  assert.is(r.stderr, 'err ••••••\n')
})

test('to a file: the same bytes', () => {
  const { dir, file } = job(BODY)
  const r = run(file, '"$TSX" "$F" > "$(dirname "$F")/out" 2>&1')
  assert.is(r.status, 0, r.stderr)
  const out = readFileSync(join(dir, 'out'), 'utf8')
  assert.is(out, 'one ••••••\nerr ••••••\ntwo ••••••\nthree ••••••\nfour\nfive\n')
  assert.not.match(out, SECRET)
})

test('a reader that closes the pipe: exit 0, before the stream exists and after', () => {
  for (const body of [
    "for (let i = 0; i < 200000; i++) say('line ' + i)",
    "console.log('x')\nfor (let i = 0; i < 200000; i++) say('line ' + i)",
  ]) {
    const { file } = job(body)
    const r = run(file, 'set -o pipefail; "$TSX" "$F" | head -1')
    assert.is(r.status, 0, r.stderr)
    assert.match(r.stdout, /^(line 0|x)\n$/)
    assert.is(r.stderr, '')
  }
})

test.run()
