// shellcheck (Debian's package) over every script each job actually renders, from infra/homelab and from
// lab/config: zero findings at warning and above. The .sh files carry their own justified disables.
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/config/load.ts'
import { HOMELAB, REPO } from '../helpers/config-copy.ts'
import { tempDir } from '../helpers/tmp.ts'
import { renderedScripts } from './rendered.ts'

test('shellcheck is installed (the test set-up installs it: lab/install-engines.sh)', () => {
  assert.is(spawnSync('shellcheck', ['--version']).status, 0, 'shellcheck missing')
})

/** shellcheck's findings (gcc format) for these files, '' when there are none. */
const check = (files: string[]) =>
  new Promise<string>((done) => {
    const p = spawn('shellcheck', ['-S', 'warning', '-s', 'bash', '-f', 'gcc', ...files])
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('close', (code) => done(code === 0 ? out : out || `shellcheck exited ${code}`))
  })

for (const [name, dir] of [
  ['infra/homelab', HOMELAB],
  ['lab/config', join(REPO, 'lab/config')],
] as const)
  test(`every rendered script of ${name} passes shellcheck -S warning -s bash`, async () => {
    const scripts = renderedScripts(loadConfig(dir))
    assert.ok(scripts.size >= 25, `only ${scripts.size} scripts`)
    // One shellcheck over every script (one file each, named for its job): a process per script costs ~0.5 s.
    const tmp = tempDir('ktrdr-rendered-')
    const files = [...scripts].map(([job, text]) => {
      const file = join(tmp, `${job.replace(/[^a-z0-9]+/gi, '-')}.sh`)
      writeFileSync(file, text)
      return file
    })
    // Two at once (two cores): half the files each.
    const halves = [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)]
    const outs = await Promise.all(halves.map((h) => check(h)))
    assert.is(outs.join(''), '', 'shellcheck findings')
  })

test('every .sh file under lib/ passes shellcheck as it is', () => {
  const files = spawnSync('git', ['ls-files', 'lib/*.sh', 'lib/**/*.sh'], { cwd: REPO, encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
  assert.ok(files.length >= 10, files.join(' '))
  const r = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', '-f', 'gcc', ...files], {
    cwd: REPO,
    encoding: 'utf8',
  })
  assert.is(r.status, 0, r.stdout + r.stderr)
})

test.run()
