// make install-backup-timer, through make: into a temp root on this machine (LOCAL=1) and over SSH to the
// lab's core host; the units pass systemd-analyze verify, RequiresMountsFor follows shared.host_path, the
// timer is enabled (offline, under ROOT). A unit systemd-analyze rejects is never installed.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { HOSTS, hostPath, onHost } from '../helpers/lab.ts'
import { make } from '../helpers/run.ts'
import { CRON_LINE, installTimerLines, TIMER_LIB } from '../../lib/backup/timer.ts'
import { needs } from '../helpers/require.ts'
import { stubs } from '../helpers/stubs.ts'
import { renderScript } from '../../lib/job/render.ts'

const LAB = join(REPO, 'lab/config')
const HOMELAB_DIR = join(REPO, 'infra/homelab')
const TEMPLATES = join(REPO, 'templates/systemd')
const roots: string[] = []
const tempRoot = () => {
  const d = mkdtempSync(join(tmpdir(), 'ktrdr-timer-'))
  roots.push(d)
  return d
}
const units = (root: string) => join(root, 'etc/systemd/system')
const hasAnalyze = needs('systemd-analyze')

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
  test(`install-backup-timer ROOT=… ${how}: checked, verified, installed 0644, enabled offline`, () => {
    const root = tempRoot()
    const local = 'LOCAL' in vars
    // Without ktrdr-ops built where the units run it, nothing is installed.
    const missing = make('install-backup-timer', { CONFIG: LAB, ROOT: root, ...vars })
    assert.is.not(missing.code, 0)
    assert.match(missing.stderr, 'ktrdr-ops is not built at /opt/ktrdr-ops on this host (no dist/backup.mjs)')
    assert.not.ok(existsSync(join(local ? root : hostPath(HOSTS.core, root), 'etc/systemd/system')))
    // The checkout the units run: dist/backup.mjs and the chosen config, on the host (under ROOT).
    const opsFiles = ['opt/ktrdr-ops/dist/backup.mjs', 'opt/ktrdr-ops/lab/config/stack-config.yml']
    for (const f of opsFiles) {
      const at = join(root, f)
      if (local) {
        mkdirSync(dirname(at), { recursive: true })
        writeFileSync(at, '')
      } else onHost(HOSTS.core, ['bash', '-c', `mkdir -p "$(dirname '${at}')" && : > '${at}'`])
    }
    // A config the host does not have: infra/homelab (not under ROOT), or, over SSH, a copy outside the
    // checkout (by its absolute path, which only this machine has).
    const other = local ? HOMELAB_DIR : configCopy([], LAB)
    const noConfig = make('install-backup-timer', { CONFIG: other, ROOT: root, ...vars })
    assert.is.not(noConfig.code, 0)
    assert.match(noConfig.stderr, `the config ${local ? 'infra/homelab' : other} is not on this host`)
    const r = make('install-backup-timer', { CONFIG: LAB, ROOT: root, ...vars })
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, hasAnalyze ? /verified\s+systemd-analyze verify: ok/ : /verified\s+skipped/)
    assert.match(
      r.stdout,
      new RegExp(
        `Installed ktrdr-backup.timer on ${'LOCAL' in vars ? 'local' : 'ktrdr-core'} ` +
          `\\(under ${root}, enabled offline\\)`,
      ),
    )
    // The units as the host has them: this machine's (the workstation's) /tmp, or the core host's own.
    const seen = 'LOCAL' in vars ? root : hostPath(HOSTS.core, root)
    const service = readFileSync(join(units(seen), 'ktrdr-backup.service'), 'utf8')
    assert.match(service, /^RequiresMountsFor=\/mnt\/ktrdr-shared$/m)
    assert.match(service, /^ExecStart=\/usr\/bin\/env node dist\/backup\.mjs --local --prune --config lab\/config$/m)
    assert.match(service, /^WorkingDirectory=\/opt\/ktrdr-ops$/m)
    assert.match(r.stdout, /verified\s+ktrdr-ops at \/opt\/ktrdr-ops, config lab\/config: present/)
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

/** ktrdr-ops as the units run it, under `root` at `opsDir`: dist/backup.mjs and infra/homelab. */
function opsTree(root: string, opsDir = '/opt/ktrdr-ops') {
  for (const f of ['dist/backup.mjs', 'infra/homelab/stack-config.yml']) {
    const at = join(root, opsDir, f)
    mkdirSync(dirname(at), { recursive: true })
    writeFileSync(at, '')
  }
  return { opsDir, config: 'infra/homelab' }
}

test('a unit systemd-analyze rejects is not installed', () => {
  if (!hasAnalyze) return
  const root = tempRoot()
  const timer = readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8')
  const service = '[Service]\nType=oneshot\nExecStart=relative-no-such-binary\n'
  const script = renderScript({
    lib: TIMER_LIB,
    body: installTimerLines({ service, timer, ...opsTree(root) }, root),
  })
  const r = spawnSync('bash', ['-s'], { input: script, encoding: 'utf8' })
  assert.is.not(r.status, 0)
  assert.match(r.stdout, /::ktrdr failed systemd-analyze verify rejected the units/)
  assert.not.ok(existsSync(units(root)), 'nothing installed')
})

test('the install body binds the units and calls install_timer (exact text)', () => {
  assert.equal(installTimerLines({ service: '[Service]\n', timer: '[Timer]\n', config: 'lab/config' }, '/tmp/r'), [
    'root=/tmp/r',
    'unit=ktrdr-backup',
    "service_text=$'[Service]\\n'",
    "timer_text=$'[Timer]\\n'",
    'ops_dir=/opt/ktrdr-ops',
    'config=lab/config',
    'install_timer',
  ])
})

// The middle layer: timer.sh under bash with systemctl and systemd-analyze stood in for.
const install = (root: string, env: Record<string, string>) =>
  spawnSync('bash', ['-s'], {
    input: renderScript({
      lib: TIMER_LIB,
      body: installTimerLines({ service: '[Service]\n', timer: '[Timer]\n', ...opsTree(root) }, root),
    }),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })

test('another root only enables offline (systemctl --root), never reloads or starts', () => {
  const s = stubs({ systemctl: '', 'systemd-analyze': '' })
  const root = tempRoot()
  const r = install(root, { PATH: s.path })
  assert.is(r.status, 0, r.stderr)
  assert.equal(
    s.calls().map((c) => c.replace(/\/tmp\/[^ ]*\/ktrdr-backup/g, 'STAGE/ktrdr-backup')),
    [
      'systemd-analyze verify STAGE/ktrdr-backup.service STAGE/ktrdr-backup.timer',
      `systemctl --root=${root} enable ktrdr-backup.timer`,
    ],
  )
  assert.match(r.stdout, '::ktrdr enabled offline')
  assert.is(readFileSync(join(units(root), 'ktrdr-backup.timer'), 'utf8'), '[Timer]\n')
})

test('root / reloads systemd, enables --now and reports the next run (in a mount namespace of its own)', () => {
  const s = stubs({
    systemctl: '[ "$1" != list-timers ] || printf "NEXT LEFT\\nTue 2026-12-02 02:00:00 UTC 5h left\\n"',
    'systemd-analyze': '',
  })
  const script = renderScript({
    lib: TIMER_LIB,
    body: installTimerLines({ service: '[Service]\n', timer: '[Timer]\n', ...opsTree('/', tempRoot()) }, '/'),
  })
  const r = spawnSync('unshare', ['--mount', 'bash', '-c', 'mount -t tmpfs t /etc/systemd && bash -s'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PATH: s.path },
  })
  assert.is(r.status, 0, r.stderr)
  assert.equal(s.calls().slice(1), [
    'systemctl daemon-reload',
    'systemctl enable --now ktrdr-backup.timer',
    'systemctl list-timers ktrdr-backup.timer --no-pager',
  ])
  assert.match(r.stdout, '::ktrdr next Tue 2026-12-02 02:00:00 UTC 5h left')
})

test('the cron line in docs/backup.md and the timer template is CRON_LINE', () => {
  assert.ok(readFileSync(join(REPO, 'docs/backup.md'), 'utf8').includes(CRON_LINE), 'docs/backup.md')
  assert.ok(readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8').includes(CRON_LINE), 'ktrdr-backup.timer')
})

test.run()
