// One style (docs/architecture.md): every line of code — TypeScript, the .mjs helpers, every .sh file — is
// at most 120 characters. Biome formats to 120 but cannot break strings, regexes or comments: this holds them.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'

test('no line of code is longer than 120 characters', () => {
  const files = spawnSync('git', ['ls-files', '*.ts', '*.mjs', '*.sh'], { cwd: REPO, encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
  assert.ok(files.length > 150, `${files.length} files`)
  const long = files.flatMap((f) =>
    readFileSync(join(REPO, f), 'utf8')
      .split('\n')
      .flatMap((l, i) => ([...l].length > 120 ? [`${f}:${i + 1} (${[...l].length})`] : [])),
  )
  assert.equal(long, [])
})

test.run()
