// tests/run-suite.sh (what make test and .ci/run call) on a tree of its own: a failed test is named again at
// the end, after uvu's totals (all a CI page may keep of a long log); a suite whose before-hook threw fails the
// run, though uvu itself exits 0 for it.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { tempDir } from '../helpers/tmp.ts'

const tree = (files: Record<string, string>) => {
  const dir = tempDir('ktrdr-run-suite-')
  mkdirSync(join(dir, 'tests/x'), { recursive: true })
  copyFileSync(join(REPO, 'tests/run-suite.sh'), join(dir, 'tests/run-suite.sh'))
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'))
  const head = "import { test } from 'uvu'\nimport * as assert from 'uvu/assert'\n"
  for (const [name, body] of Object.entries(files))
    writeFileSync(join(dir, 'tests/x', name), `${head}${body}\ntest.run()\n`)
  const r = spawnSync('bash', [join(dir, 'tests/run-suite.sh')], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

test('the failed tests, named again at the end in the order they ran', () => {
  const r = tree({
    'a.test.ts': "test('a fails', () => assert.is(1, 2))\ntest('a passes', () => assert.ok(true))",
    'b.test.ts': "test('b passes', () => assert.ok(true))",
    'c.test.ts': "test('c fails too', () => assert.ok(false))",
  })
  assert.is(r.code, 1, r.out)
  assert.is(
    r.err.trimEnd().split('\n').slice(-3).join('\n'),
    'run-suite: the failed tests, in the order they ran:\n  x/a.test.ts: "a fails"\n  x/c.test.ts: "c fails too"',
  )
})

test('all passing: exit 0 and no list', () => {
  const r = tree({ 'a.test.ts': "test('a passes', () => assert.ok(true))" })
  assert.equal([r.code, r.err], [0, ''])
})

test('a before-hook that threw: the run fails, naming the suite', () => {
  const r = tree({ 'a.test.ts': "test.before(() => { throw new Error('no lab') })\ntest('never runs', () => {})" })
  assert.is(r.code, 1, r.out)
  assert.match(r.err, '1 tests never ran')
  assert.match(r.err, '  x/a.test.ts (0 / 1)')
})

test.run()
