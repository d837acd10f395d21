// Every script flag is reachable from make through the one convention: --some-flag ⇐ SOME_FLAG=… .
// For each target that runs a script, every flag in the script's --help must appear in `make -n` output.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { run } from '../helpers/run.ts'

const files = [
  'Makefile',
  ...readdirSync(join(REPO, 'mk'))
    .filter((f) => f.endsWith('.mk'))
    .map((f) => `mk/${f}`),
]
const targets: { target: string; script: string; fixed: string[] }[] = []
for (const f of files) {
  let current = ''
  for (const line of readFileSync(join(REPO, f), 'utf8').split('\n')) {
    const t = /^([a-z][a-z-]*):/.exec(line)
    if (t) current = t[1]!
    const r = /\$\(call run,([a-z-]+)\)((?: --[a-z-]+=[a-z]+)*)/.exec(line)
    if (r && current)
      targets.push({ target: current, script: r[1]!, fixed: [...r[2]!.matchAll(/--([a-z-]+)=/g)].map((m) => m[1]!) })
  }
}

test('the Makefile runs every script', () => {
  const scripts = readdirSync(join(REPO, 'scripts'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
  for (const s of scripts)
    assert.ok(
      targets.some((t) => t.script === s),
      `no make target runs scripts/${s}.ts`,
    )
})

for (const { target, script, fixed } of targets)
  test(`make ${target}: every flag of ${script} --help`, () => {
    const help = run('node', [`dist/${script}.mjs`, '--help'])
    assert.is(help.code, 0, help.stderr)
    const flags = [...help.stdout.matchAll(/^ {2}--([a-z-]+)(?: <([^>]*)>)?/gm)].map((m) => ({
      name: m[1]!,
      value: m[2] !== undefined,
    }))
    for (const f of flags.filter((x) => x.name !== 'help' && !fixed.includes(x.name))) {
      const v = f.name.toUpperCase().replace(/-/g, '_')
      assert.match(help.stdout, `[make: ${v}=`, `${script} --help names the make variable for --${f.name}`)
      const cmd = run('make', ['-n', '--no-print-directory', target, `${v}=${f.value ? 'x1' : '1'}`]).stdout
      assert.match(
        cmd,
        f.value ? `--${f.name}='x1'` : `--${f.name}`,
        `make ${target} ${v}=… does not pass --${f.name}:\n${cmd}`,
      )
    }
  })

test('make help names every variable each target passes to its script', () => {
  const help = run('make', ['--no-print-directory', 'help']).stdout
  for (const { target, script, fixed } of targets) {
    const line = help.split('\n').find((l) => l.startsWith(`  make ${target} `))
    assert.ok(line, `make help has no line for ${target}`)
    const flags = [...run('node', [`dist/${script}.mjs`, '--help']).stdout.matchAll(/^ {2}--([a-z-]+)/gm)]
      .map((m) => m[1]!)
      .filter((f) => !['help', 'config', 'verbose', ...fixed].includes(f))
    for (const f of flags) assert.match(line!, `${f.toUpperCase().replace(/-/g, '_')}=`, `${target}: ${f}`)
  }
})

test.run()
