// The backup area's messages name the ssh target the run used: a core host reached by its own ssh: entry
// (hosts.<name>.ssh, here an address nothing answers on) is named as that, never as <name>.<zone>.
import { rmSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import { LAB_CONFIG, labMake } from '../helpers/lab.ts'

const TARGET = 'admin@198.18.99.99'
const cfg = configCopy(
  [
    {
      file: 'stack-config.yml',
      from: 'ktrdr-core: { address: 198.18.50.10 }',
      to: `ktrdr-core: { address: 198.18.50.10, ssh: ${TARGET} }`,
    },
  ],
  LAB_CONFIG,
)
test.after(() => rmSync(cfg, { recursive: true, force: true }))

for (const [target, vars] of [
  ['backup', {}],
  ['backup-status', {}],
  ['backup-verify', {}],
  ['backup-prune', { DRY_RUN: '1' }],
  ['restore', { LIST: '1' }],
] as const)
  test(`make ${target}: the error and its hint name ${TARGET}, the target used`, () => {
    const r = labMake(target, { CONFIG: cfg, ...vars })
    assert.is.not(r.code, 0)
    assert.match(r.stderr, `cannot reach ${TARGET} over SSH`)
    assert.match(r.stderr, `\`ssh ${TARGET} true\` works`)
    assert.not.match(r.stdout + r.stderr, 'ktrdr-core.internal')
  })

test.run()
