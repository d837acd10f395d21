// make install-backup-timer, through make: into a temp root on this machine (LOCAL=1) and over SSH to the
// lab's core host; the units pass systemd-analyze verify, RequiresMountsFor follows shared.host_path, the
// timer is enabled (offline, under ROOT). A unit systemd-analyze rejects is never installed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { HOSTS, hostPath, onHost } from '../helpers/lab.ts'
import { make } from '../helpers/run.ts'
import { CRON_LINE, installTimerLines } from '../../lib/backup/timer.ts'
import { renderScript } from '../../lib/remote/script.ts'

const LAB = join(REPO, 'lab/config')
const TEMPLATES = join(REPO, 'templates/systemd')
const roots: string[] = []
const tempRoot = () => {
  const d = mkdtempSync(join(tmpdir(), 'ktrdr-timer-'))
  roots.push(d)
  return d
}
const units = (root: string) => join(root, 'etc/systemd/system')
const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0

test.after(() => {
  for (const d of roots) {
    rmSync(d, { recursive: true, force: true })
    onHost(HOSTS.core, ['rm', '-rf', d])
  }
})

for (const [how, vars] of [
  ['LOCAL=1', { LOCAL: '1' }],
  ['over SSH to ktrdr-core', {}],
] as const) {
  test(`install-backup-timer ROOT=… ${how}: verified, installed 0644, timer enabled offline`, () => {
    const root = tempRoot()
    const r = make('install-backup-timer', { CONFIG: LAB, ROOT: root, ...vars })
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, hasAnalyze ? /verified\s+systemd-analyze verify: ok/ : /verified\s+skipped/)
    assert.match(
      r.stdout,
      new RegExp(
        `Installed ktrdr-backup.timer on ${'LOCAL' in vars ? 'local' : 'ktrdr-core'} \\(under ${root}, enabled offline\\)`,
      ),
    )
    // The units as the host has them: this machine's (the workstation's) /tmp, or the core host's own.
    const seen = 'LOCAL' in vars ? root : hostPath(HOSTS.core, root)
    const service = readFileSync(join(units(seen), 'ktrdr-backup.service'), 'utf8')
    assert.match(service, /^RequiresMountsFor=\/mnt\/ktrdr-shared$/m)
    assert.match(service, /^ExecStart=\/usr\/bin\/env node dist\/backup\.mjs --local --prune --config infra\/homelab$/m)
    assert.is(
      readFileSync(join(units(seen), 'ktrdr-backup.timer'), 'utf8'),
      readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8'),
    )
    assert.is((statSync(join(units(seen), 'ktrdr-backup.service')).mode & 0o777).toString(8), '644')
    assert.match(readlinkSync(join(units(seen), 'timers.target.wants/ktrdr-backup.timer')), /ktrdr-backup\.timer$/)
  })
}

test('install-backup-timer: a relative ROOT is refused', () => {
  const r = make('install-backup-timer', { CONFIG: LAB, ROOT: 'relative/dir', LOCAL: '1' })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /--root must be an absolute path: relative\/dir/)
})

test('a unit systemd-analyze rejects is not installed', () => {
  if (!hasAnalyze) return console.log('    (systemd-analyze not installed: skipped)')
  const root = tempRoot()
  const timer = readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8')
  const script = renderScript({
    body: installTimerLines({ service: '[Service]\nType=oneshot\nExecStart=relative-no-such-binary\n', timer }, root),
  })
  const r = spawnSync('bash', ['-s'], { input: script, encoding: 'utf8' })
  assert.is.not(r.status, 0)
  assert.match(r.stdout, /::ktrdr failed systemd-analyze verify rejected the units/)
  assert.not.ok(existsSync(units(root)), 'nothing installed')
})

test('installTimerLines: / reloads and enables --now; another root only enables offline', () => {
  const u = { service: '[Service]\n', timer: '[Timer]\n' }
  const live = installTimerLines(u, '/')
  assert.ok(live.includes('systemctl daemon-reload'))
  assert.ok(
    live.some((l) => l.includes('then systemctl enable --now ktrdr-backup.timer 2>&1')),
    live.join('\n'),
  )
  const off = installTimerLines(u, '/tmp/r')
  assert.is(off[0], 'root=/tmp/r')
  assert.not.ok(
    off.some((l) => /daemon-reload|--now|list-timers/.test(l)),
    off.join('\n'),
  )
  assert.ok(
    off.some((l) => l.includes('then systemctl --root=/tmp/r enable ktrdr-backup.timer 2>&1')),
    off.join('\n'),
  )
})

test('the cron line in docs/backup.md and the timer template is CRON_LINE', () => {
  assert.ok(readFileSync(join(REPO, 'docs/backup.md'), 'utf8').includes(CRON_LINE), 'docs/backup.md')
  assert.ok(readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8').includes(CRON_LINE), 'ktrdr-backup.timer')
})

test.run()
