// The start-up loader build.mjs writes (dist/<name>.mjs): the bundle runs the same with its V8 code cache,
// without one, and with a damaged one; a cache missing or rejected is written after the run, one from a --help
// run is replaced once by a full run, and a checkout it cannot write to still runs. On a copy of dist/validate.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HOMELAB } from '../helpers/config-copy.ts'

const dir = mkdtempSync(join(tmpdir(), 'ktrdr-code-cache-'))
for (const f of ['validate.mjs', 'validate.cjs']) copyFileSync(join('dist', f), join(dir, f))
const cacheName = `validate.${process.versions.v8}-${process.arch}.cache`
const cache = join(dir, cacheName)
const validate = (...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'validate.mjs'), `--config=${HOMELAB}`, ...args], { encoding: 'utf8' })
const expected = validate()

test('with no cache the job runs and its cache is written after, marked as a full run', () => {
  rmSync(cache, { force: true })
  const r = validate()
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, /: valid \(/)
  const c = readFileSync(cache)
  assert.is(c[0], 1)
  assert.ok(c.length > 100_000, `${c.length} bytes`)
  assert.equal(readdirSync(dir).sort(), [cacheName, 'validate.cjs', 'validate.mjs'], 'no temp file left')
})

test('with its cache the job prints the same bytes and the cache is left as it was', () => {
  const before = readFileSync(cache)
  const r = validate()
  assert.is(r.stdout, expected.stdout)
  assert.is(r.status, 0)
  assert.ok(readFileSync(cache).equals(before))
})

test('a cache from a --help run is replaced once by the first full run', () => {
  rmSync(cache, { force: true })
  assert.is(validate('--help').status, 0)
  assert.is(readFileSync(cache)[0], 0)
  const help = readFileSync(cache)
  assert.is(validate('--help').status, 0)
  assert.ok(readFileSync(cache).equals(help), 'a --help run does not rewrite a --help cache')
  assert.is(validate().stdout, expected.stdout)
  assert.is(readFileSync(cache)[0], 1)
})

test('a damaged cache is rejected by V8: the job runs the same and the cache is written again', () => {
  writeFileSync(cache, Buffer.concat([Buffer.from([1]), Buffer.alloc(4096, 0x5a)]))
  const r = validate()
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, expected.stdout)
  const c = readFileSync(cache)
  assert.ok(c.length > 100_000 && c[0] === 1, 'rewritten')
})

test('a directory it cannot write to: the job still runs, nothing written', () => {
  if (process.getuid?.() === 0) {
    // root writes anywhere: make the cache's name a directory instead, which no rename can replace
    rmSync(cache, { force: true })
    spawnSync('mkdir', [cache])
  } else chmodSync(dir, 0o555)
  const r = validate()
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, expected.stdout)
  assert.equal(readdirSync(dir).sort(), [cacheName, 'validate.cjs', 'validate.mjs'], 'no temp file left')
  chmodSync(dir, 0o755)
  rmSync(cache, { recursive: true, force: true })
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
