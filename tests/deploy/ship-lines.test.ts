// The deploy's file shipping (lib/deploy/deploy.sh: ship, ship_file) as bash runs it (set -euo pipefail, see
// lib/job/render.ts): the exact text, a file already holding it left alone, the previous config kept as
// .prev, and a write that fails stops the script before anything after it (compose) could run.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dirname } from 'node:path'
import { bind, framed, renderScript, sh } from '../../lib/job/render.ts'
import { tempDir } from '../helpers/tmp.ts'

const run = (body: string[]) => {
  const r = spawnSync('/bin/bash', ['-s'], {
    input: framed(renderScript({ lib: ['deploy/deploy.sh'], body: [...body, 'echo "::ktrdr after"'] })),
    encoding: 'utf8',
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
const writeFileLines = (path: string, text: string) => [`ship_file ${sh([path, text])}`]
const shipLines = (composePath: string, text: string, files: { name: string; content: string }[]) => [
  ...bind({
    compose_path: composePath,
    compose_dir: dirname(composePath),
    compose_text: text,
    ship_names: files.map((f) => f.name),
    ship_texts: files.map((f) => f.content),
  }),
  'ship',
]
const TEXT = "services:\n  w:\n    image: 'a:$TAG' # `x` \\n ${NOT_EXPANDED}\n  \n"

test('writes the exact text (no expansion), then leaves a file that already holds it untouched', () => {
  const path = join(tempDir('ktrdr-ship-'), 'sub/dir/compose.yml')
  assert.is(run(writeFileLines(path, TEXT)).code, 0)
  assert.is(readFileSync(path, 'utf8'), TEXT)
  const before = statSync(path)
  const again = run(writeFileLines(path, TEXT))
  assert.is(again.code, 0, again.err)
  const after = statSync(path)
  assert.is(after.ino, before.ino)
  assert.is(after.mtimeMs, before.mtimeMs)
  for (const other of [TEXT.replace(/\n$/, ''), `${TEXT}x\n`, 'a\n']) {
    writeFileSync(path, other)
    assert.is(run(writeFileLines(path, TEXT)).code, 0)
    assert.is(readFileSync(path, 'utf8'), TEXT, JSON.stringify(other))
  }
})

test('shipLines keeps the running file as .prev, byte for byte, and has no .prev on a first deploy', () => {
  const dir = tempDir('ktrdr-ship-')
  const compose = join(dir, 'docker-compose.workers.yml')
  assert.is(run(shipLines(compose, TEXT, [])).code, 0)
  assert.not.ok(existsSync(`${compose}.prev`))
  const old = 'old: "no trailing newline"'
  writeFileSync(compose, old)
  assert.is(run(shipLines(compose, TEXT, [{ name: 'prometheus.yml', content: 'scrape_configs: []\n' }])).code, 0)
  assert.is(readFileSync(`${compose}.prev`, 'utf8'), old)
  assert.is(readFileSync(compose, 'utf8'), TEXT)
  assert.is(readFileSync(join(dir, 'prometheus.yml'), 'utf8'), 'scrape_configs: []\n')
})

test('a write that fails stops the script, and the file in place is unchanged', () => {
  const path = join(tempDir('ktrdr-ship-'), 'compose.yml')
  writeFileSync(path, 'old\n')
  mkdirSync(`${path}.new`) // the temp name cannot be written
  const r = run(writeFileLines(path, TEXT))
  assert.is.not(r.code, 0)
  assert.not.match(r.out, '::ktrdr after')
  assert.is(readFileSync(path, 'utf8'), 'old\n')
})

test.run()
