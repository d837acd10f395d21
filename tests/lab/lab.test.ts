// The lab's own contract (issue: lab-up twice is idempotent; lab-status reports each part; lab-down leaves
// nothing of the lab's behind; the sample app refuses to start without its contract variables).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { make } from '../helpers/run.ts'

test('lab-up on a running lab is idempotent, and lab-status reports every part', () => {
  const procs = () => spawnSync('pgrep', ['-cf', 'ktrdr-lab/hosts/.*/sshd_config'], { encoding: 'utf8' }).stdout.trim()
  const before = procs()
  const up = make('lab-up', {}, { timeout: 600_000 })
  assert.is(up.code, 0, up.stderr)
  assert.is(procs(), before, 'a second lab-up starts no second sshd')
  const st = make('lab-status')
  assert.is(st.code, 0, st.stdout + st.stderr)
  for (const part of [
    /^dockerd: up/m,
    /^compose: v2\./m,
    /^registry: up 127\.0\.0\.1:5000 \(auth ok\)/m,
    /^ktrdr-core: up 127\.0\.0\.10:22 \(ssh ok\)/m,
    /^ktrdr-workers-b: up 127\.0\.0\.11:22/m,
    /^ktrdr-workers-c: up 127\.0\.0\.12:22/m,
    /^shared: /m,
    /^image ktrdr-lab\/python:3\.13: present/m,
    /^image ktrdr-lab\/postgres:17-timescaledb: present/m,
    /^vault: /m,
  ])
    assert.match(st.stdout, part)
})

test('up, up, down in private namespaces: down leaves no process, mount, loop device or state', () => {
  // lab/selftest.sh runs the real lab.sh in its own mount and network namespaces (own dockerd, /run, 127/8),
  // so the shared lab of this run is untouched; it plants a container, a compose project, an image and a
  // btrfs loop mount for down to remove, and reports what is left.
  const r = spawnSync('unshare', ['--mount', '--net', '--propagation', 'private', join(REPO, 'lab/selftest.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, SELFTEST_ONE_CYCLE: '1' },
  })
  const out = r.stdout + r.stderr
  assert.is(r.status, 0, out)
  const afterDown = [
    ...new Set(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('after down:')),
    ),
  ]
  assert.equal(afterDown, ['after down: lab dir gone, sshd 0, registry 0, dockerd 0, mounted no, loop detached'], out)
  assert.match(out, /up #2 \(idempotent\)\n\s+.* -> rc=0/)
  assert.match(out, 'selftest: ok')
})

test('the sample app refuses to start when a contract variable is missing', () => {
  for (const [svc, names] of [
    ['backend', /DB_HOST.*JWT_SECRET/s],
    ['worker', /BACKEND_BASE_URL.*WORKER_PUBLIC_BASE_URL/s],
  ] as const) {
    const r = spawnSync('python3', ['-m', `ktrdr.${svc}`], {
      cwd: join(REPO, 'examples/ktrdr-app'),
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 20_000,
    })
    assert.is(r.status, 2, r.stderr)
    assert.match(r.stderr, 'missing required environment variables')
    assert.match(r.stderr, names)
  }
})

test.run()
