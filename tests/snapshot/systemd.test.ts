// The hourly timer: the units pass systemd's own check, call scripts that exist with flags they declare,
// and the cron line in docs/snapshots.md runs the same commands.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import { needs } from '../helpers/require.ts'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'

const unit = (ext: string) => join(REPO, `templates/systemd/ktrdr-snapshot.${ext}`)
const execStarts = readFileSync(unit('service'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('ExecStart='))
  .map((l) => l.slice('ExecStart='.length))

test('systemd-analyze verify accepts both units', () => {
  if (!needs('systemd-analyze')) return
  const dir = mkdtempSync(join(tmpdir(), 'ktrdr-units-'))
  try {
    for (const ext of ['service', 'timer']) cpSync(unit(ext), join(dir, `ktrdr-snapshot.${ext}`))
    const r = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', join(dir, 'ktrdr-snapshot.timer'), join(dir, 'ktrdr-snapshot.service')],
      { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'err' } },
    )
    assert.is(r.status, 0, r.stderr)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the service runs snapshot then prune, --local, with flags those scripts declare', () => {
  assert.equal(execStarts, [
    '/usr/bin/env node dist/snapshot.mjs --local --config infra/homelab',
    '/usr/bin/env node dist/snapshot-prune.mjs --local --config infra/homelab',
  ])
  for (const cmd of execStarts) {
    const name = /dist\/([a-z-]+)\.mjs/.exec(cmd)![1]!
    const src = readFileSync(join(REPO, `scripts/${name}.ts`), 'utf8')
    assert.ok(src.includes('LOCAL_FLAG'), `${name} declares --local`)
  }
  assert.match(readFileSync(unit('timer'), 'utf8'), /^OnCalendar=hourly$/m)
  assert.match(readFileSync(unit('service'), 'utf8'), /^Type=oneshot$/m)
})

test('the cron line in docs/snapshots.md runs the same two commands', () => {
  const doc = readFileSync(join(REPO, 'docs/snapshots.md'), 'utf8')
  const cron = doc.split('\n').find((l) => /^0 \* \* \* \* root /.test(l))
  assert.ok(cron, 'a cron line in docs/snapshots.md')
  for (const cmd of execStarts) assert.ok(cron!.includes(cmd.replace('/usr/bin/env ', '')), cmd)
  assert.ok(existsSync(join(REPO, 'infra/homelab/stack-config.yml')))
})

test.run()
