// .ci/run (CI's entry point: `make test`, then the failures again at the end) and tests/run-suite.sh (what make
// test runs), on a tree of their own whose Makefile's test target is run-suite over a few uvu files: each
// failure is repeated at the end, then one line per failed test in the order they ran, then the count; a
// suite whose before-hook threw fails the run, though uvu itself exits 0 for it.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { tempDir } from '../helpers/tmp.ts'

const ciRun = (files: Record<string, string>) => {
  const dir = tempDir('ktrdr-ci-run-')
  mkdirSync(join(dir, 'tests/x'), { recursive: true })
  mkdirSync(join(dir, '.ci'))
  copyFileSync(join(REPO, '.ci/run'), join(dir, '.ci/run'))
  copyFileSync(join(REPO, 'tests/run-suite.sh'), join(dir, 'tests/run-suite.sh'))
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'))
  writeFileSync(join(dir, 'Makefile'), 'test:\n\tbash tests/run-suite.sh\n')
  const head = "import { test } from 'uvu'\nimport * as assert from 'uvu/assert'\n"
  for (const [name, body] of Object.entries(files))
    writeFileSync(join(dir, 'tests/x', name), `${head}${body}\ntest.run()\n`)
  const r = spawnSync('bash', [join(dir, '.ci/run')], { encoding: 'utf8', env: { ...process.env, MAKEFLAGS: '' } })
  return { code: r.status, out: stripVTControlCharacters(r.stdout + r.stderr) }
}

test('the failed tests last, one line each in the order they ran, then the count', () => {
  const r = ciRun({
    'a.test.ts': "test('a fails', () => assert.is(1, 2))\ntest('a passes', () => assert.ok(true))",
    'b.test.ts': "test('b passes', () => assert.ok(true))",
    'c.test.ts': "test('c fails too', () => assert.ok(false))",
  })
  assert.is.not(r.code, 0, r.out)
  assert.match(r.out, '--- failures (repeated from above) ---')
  assert.is(
    r.out.trimEnd().split('\n').slice(-4).join('\n'),
    '--- the failed tests, in the order they ran ---\n  x/a.test.ts: "a fails"\n  x/c.test.ts: "c fails too"\n' +
      '2 passed, 2 failed',
  )
})

test('a failure whose message is a long output: its end and the diff are repeated, not only its start', () => {
  const body =
    "test('long', () => assert.equal(['after: 1'], ['after: 0'], " +
    "Array.from({ length: 60 }, (_, i) => `out ${i}`).join('\\n') + '\\nthe cause'))"
  const r = ciRun({ 'a.test.ts': body })
  assert.is.not(r.code, 0, r.out)
  const repeated = r.out.slice(r.out.indexOf('--- failures (repeated from above) ---'))
  const excerpt = repeated.slice(0, repeated.indexOf('--- the failed tests'))
  assert.match(excerpt, /FAIL {2}"long"\n {4}\[\.\.\. \d+ lines \.\.\.\]\nout 4\d\n/)
  assert.match(excerpt, /the cause {2}\(equal\)\n/)
  assert.match(excerpt, /Actual:\n.*"after:.1"[\s\S]*Expected:\n.*"after:.0"/) // uvu draws spaces as ·
  assert.not.match(excerpt, /^out 1\n/m)
})

test('all passing: exit 0, no failures section', () => {
  const r = ciRun({ 'a.test.ts': "test('a passes', () => assert.ok(true))" })
  assert.is(r.code, 0, r.out)
  assert.not.match(r.out, 'failed tests')
  assert.is(r.out.trimEnd().split('\n').at(-1), '1 passed, 0 failed')
})

test('a before-hook that threw: the run fails, naming the suite', () => {
  const r = ciRun({ 'a.test.ts': "test.before(() => { throw new Error('no lab') })\ntest('never runs', () => {})" })
  assert.is.not(r.code, 0, r.out)
  assert.match(r.out, '1 tests never ran')
  assert.match(r.out, '  x/a.test.ts (0 / 1)')
})

test.run()
