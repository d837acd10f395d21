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
import {
  CRON_LINE,
  installTimerLines,
  OPS_DIR,
  renderTimerUnits,
  TIMER_LIB,
  TIMERS,
  timersOf,
} from '../../lib/backup/timer.ts'
import { loadConfig } from '../../lib/config/load.ts'
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
    // The checkout the units run: dist/backup.mjs, the drill's dist/backup-verify.mjs and the chosen config, on the
    // host (under ROOT).
    const opsFiles = [
      'opt/ktrdr-ops/dist/backup.mjs',
      'opt/ktrdr-ops/dist/backup-verify.mjs',
      'opt/ktrdr-ops/lab/config/stack-config.yml',
    ]
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
    // The weekly drill beside it: its heartbeat is what backup-status reads.
    assert.match(r.stdout, /Installed ktrdr-drill\.timer on /)
    const drill = readFileSync(join(units(seen), 'ktrdr-drill.service'), 'utf8')
    assert.match(drill, /^ExecStart=\/usr\/bin\/env node dist\/backup-verify\.mjs --local --config lab\/config$/m)
    assert.match(drill, /^RequiresMountsFor=\/mnt\/ktrdr-shared$/m)
    assert.match(drill, /^ReadWritePaths=\/mnt\/ktrdr-shared \/var\/lib\/prometheus\/node-exporter \/run\/lock$/m)
    assert.is(
      readFileSync(join(units(seen), 'ktrdr-drill.timer'), 'utf8'),
      readFileSync(join(TEMPLATES, 'ktrdr-drill.timer'), 'utf8'),
    )
    assert.match(readFileSync(join(TEMPLATES, 'ktrdr-drill.timer'), 'utf8'), /^OnCalendar=Sun \*-\*-\* 04:30:00$/m)
    assert.match(readlinkSync(join(units(seen), 'timers.target.wants/ktrdr-drill.timer')), /ktrdr-drill\.timer$/)
    assert.ok(statSync(join(seen, 'var/lib/prometheus/node-exporter')).isDirectory(), "the textfile's directory")
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
    'scripts=(backup)',
    'make_dirs=()',
    'ensure=0',
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
  // systemd runs there: /run/systemd/system exists (a tmpfs over /run in the namespace says so).
  const inNs = 'mount -t tmpfs t /etc/systemd && mount -t tmpfs t /run && mkdir -p /run/systemd/system && bash -s'
  const r = spawnSync('unshare', ['--mount', 'bash', '-c', inNs], {
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

test('root / without systemd running: refused before anything is written, with the cron way named', () => {
  const s = stubs({ systemctl: '', 'systemd-analyze': '' })
  const script = renderScript({
    lib: TIMER_LIB,
    body: installTimerLines({ service: '[Service]\n', timer: '[Timer]\n', ...opsTree('/', tempRoot()) }, '/'),
  })
  const r = spawnSync(
    'unshare',
    ['--mount', 'bash', '-c', 'mount -t tmpfs t /etc/systemd && mount -t tmpfs t /run && bash -s'],
    {
      input: script,
      encoding: 'utf8',
      env: { ...process.env, PATH: s.path },
    },
  )
  assert.is(r.status, 1, r.stdout + r.stderr)
  assert.match(
    r.stdout,
    '::ktrdr failed systemd is not running on this host (no /run/systemd/system): schedule the job with cron',
  )
  assert.equal(s.calls(), [], 'no systemctl call, nothing verified or installed')
})

test('ensure: a timer installed with the same text and enabled is left alone; a changed one is installed again', () => {
  // systemctl --root=R enable U, as systemd does it: the wants symlink.
  const wants = 'w="${1#--root=}/etc/systemd/system/timers.target.wants"; mkdir -p "$w" && ln -sfn "../$3" "$w/$3"'
  const s = stubs({ systemctl: wants, 'systemd-analyze': '' })
  const root = tempRoot()
  const run = (service: string) =>
    spawnSync('bash', ['-s'], {
      input: renderScript({
        lib: TIMER_LIB,
        body: installTimerLines({ service, timer: '[Timer]\n', ...opsTree(root) }, root, true),
      }),
      encoding: 'utf8',
      env: { ...process.env, PATH: s.path },
    })
  const first = run('[Service]\n')
  assert.is(first.status, 0, first.stderr)
  assert.match(first.stdout, '::ktrdr installed')
  const calls = s.calls().length
  const again = run('[Service]\n')
  assert.is(again.status, 0, again.stderr)
  assert.match(again.stdout, '::ktrdr unchanged ktrdr-backup.timer: installed with this text and enabled')
  assert.not.match(again.stdout, '::ktrdr installed')
  assert.is(s.calls().length, calls, 'no systemd call when nothing changes')
  const changed = run('[Service]\nNice=5\n')
  assert.match(changed.stdout, '::ktrdr installed')
  assert.is(readFileSync(join(units(root), 'ktrdr-backup.service'), 'utf8'), '[Service]\nNice=5\n')
})

test('install-snapshot-timer LOCAL=1 ROOT=…: its scripts checked (copy_to: the copy too), RequiresMountsFor', () => {
  const root = tempRoot()
  const missing = make('install-snapshot-timer', { CONFIG: LAB, ROOT: root, LOCAL: '1' })
  assert.is.not(missing.code, 0)
  assert.match(missing.stderr, 'ktrdr-ops is not built at /opt/ktrdr-ops on this host (no dist/snapshot.mjs)')
  for (const f of ['dist/snapshot.mjs', 'lab/config/stack-config.yml']) {
    mkdirSync(dirname(join(root, 'opt/ktrdr-ops', f)), { recursive: true })
    writeFileSync(join(root, 'opt/ktrdr-ops', f), '')
  }
  const noPrune = make('install-snapshot-timer', { CONFIG: LAB, ROOT: root, LOCAL: '1' })
  assert.match(noPrune.stderr, '(no dist/snapshot-prune.mjs)')
  writeFileSync(join(root, 'opt/ktrdr-ops/dist/snapshot-prune.mjs'), '')
  // lab/config has the homelab's copy_to: the hourly run copies off node A too, so its script is checked.
  const noCopy = make('install-snapshot-timer', { CONFIG: LAB, ROOT: root, LOCAL: '1' })
  assert.match(noCopy.stderr, '(no dist/snapshot-copy.mjs)')
  writeFileSync(join(root, 'opt/ktrdr-ops/dist/snapshot-copy.mjs'), '')
  const r = make('install-snapshot-timer', { CONFIG: LAB, ROOT: root, LOCAL: '1' })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /Installed ktrdr-snapshot\.timer on local \(under .*, enabled offline\)/)
  const service = readFileSync(join(units(root), 'ktrdr-snapshot.service'), 'utf8')
  assert.match(service, /^RequiresMountsFor=\/srv\/ktrdr-shared$/m)
  assert.match(service, /^ExecStart=\/usr\/bin\/env node dist\/snapshot\.mjs --local --config lab\/config$/m)
  assert.match(service, /^ExecStart=\/usr\/bin\/env node dist\/snapshot-prune\.mjs --local --config lab\/config$/m)
  assert.match(service, /^ExecStart=\/usr\/bin\/env node dist\/snapshot-copy\.mjs --local --config lab\/config$/m)
  assert.match(
    service,
    /^ReadWritePaths=\/srv\/ktrdr-shared \/srv\/\.snapshots\/ktrdr-shared -\/mnt\/usb\/ktrdr-shared /m,
  )
  assert.match(readlinkSync(join(units(root), 'timers.target.wants/ktrdr-snapshot.timer')), /ktrdr-snapshot\.timer$/)
  assert.ok(statSync(join(root, 'srv/.snapshots/ktrdr-shared')).isDirectory(), 'the directory it may write is made')
})

test('without copy_to the snapshot service has the copy commented out, and its script is not needed', () => {
  const cfg = loadConfig(LAB)
  const s = cfg.stack.snapshots!
  const without = { ...cfg, stack: { ...cfg.stack, snapshots: { ...s, copy_to: undefined } } }
  const u = renderTimerUnits(without, TEMPLATES, OPS_DIR, TIMERS.snapshot)
  assert.equal(
    u.service.split('\n').filter((l) => /^#?ExecStart=/.test(l)),
    [
      'ExecStart=/usr/bin/env node dist/snapshot.mjs --local --config lab/config',
      'ExecStart=/usr/bin/env node dist/snapshot-prune.mjs --local --config lab/config',
      '#ExecStart=/usr/bin/env node dist/snapshot-copy.mjs --local --config lab/config',
    ],
  )
  assert.equal(u.scripts, ['snapshot', 'snapshot-prune'])
  assert.equal(renderTimerUnits(cfg, TEMPLATES, OPS_DIR, TIMERS.snapshot).scripts, [
    'snapshot',
    'snapshot-prune',
    'snapshot-copy',
  ])
})

test('install-snapshot-timer: a config without a snapshots: section is refused', () => {
  const cfg = configCopy([{ file: 'stack-config.yml', from: /\nsnapshots:.*(\n[ #].*)*/, to: '' }], LAB)
  try {
    const r = make('install-snapshot-timer', { CONFIG: cfg, ROOT: tempRoot(), LOCAL: '1' })
    assert.is.not(r.code, 0)
    assert.match(r.stderr, /snapshots/)
  } finally {
    rmSync(cfg, { recursive: true, force: true })
  }
})

// The units as installed for each shipped config: systemd's own checks, on the rendered text.
for (const [name, dir] of [
  ['lab/config', LAB],
  ['infra/homelab', HOMELAB_DIR],
] as const)
  test(`${name}: both timers' units pass systemd-analyze verify, and security rates each service ≤ 5`, () => {
    if (!hasAnalyze) return
    const cfg = loadConfig(dir)
    const out = tempRoot()
    for (const spec of timersOf(cfg)) {
      const u = renderTimerUnits(cfg, TEMPLATES, OPS_DIR, spec)
      writeFileSync(join(out, `${spec.unit}.service`), u.service)
      writeFileSync(join(out, `${spec.unit}.timer`), u.timer)
      const files = [join(out, `${spec.unit}.service`), join(out, `${spec.unit}.timer`)]
      const env = { ...process.env, SYSTEMD_LOG_LEVEL: 'err' }
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', env })
      assert.is(verify.status, 0, verify.stderr)
      assert.is(verify.stderr.trim(), '', `${spec.unit}: verify printed nothing`)
      const sec = spawnSync(
        'systemd-analyze',
        ['security', '--offline=true', '--threshold=50', '--no-pager', files[0]!],
        { encoding: 'utf8', env },
      )
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(sec.stdout)?.[1]
      assert.ok(level, sec.stdout + sec.stderr)
      assert.ok(Number(level) <= 5, `${spec.unit}.service exposure ${level} > 5`)
      assert.is(sec.status, 0, sec.stdout)
    }
    // What each may write follows the config.
    const backup = renderTimerUnits(cfg, TEMPLATES, OPS_DIR, TIMERS.backup).service
    const text = dirname(cfg.stack.monitoring.textfile)
    assert.match(backup, new RegExp(`^ReadWritePaths=${cfg.stack.shared.host_path} ${text} /run/lock$`, 'm'))
    const snap = renderTimerUnits(cfg, TEMPLATES, OPS_DIR, TIMERS.snapshot).service
    const s = cfg.stack.snapshots as { source: string; dir: string; copy_to: string }
    assert.match(snap, new RegExp(`^ReadWritePaths=${s.source} ${s.dir} -${s.copy_to} ${text} /run/lock$`, 'm'))
    assert.match(
      snap,
      new RegExp(`^ExecStart=/usr/bin/env node dist/snapshot-copy\\.mjs --local --config ${name}$`, 'm'),
    )
  })

test('the cron line in docs/backup.md and the timer template is CRON_LINE', () => {
  assert.ok(readFileSync(join(REPO, 'docs/backup.md'), 'utf8').includes(CRON_LINE), 'docs/backup.md')
  assert.ok(readFileSync(join(TEMPLATES, 'ktrdr-backup.timer'), 'utf8').includes(CRON_LINE), 'ktrdr-backup.timer')
})

test.run()
