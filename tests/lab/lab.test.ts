// The lab's own contract: lab-up twice is idempotent; lab-status reports each part; every host is a
// namespace of its own with no way out; add-host refuses bad input; lab-down leaves nothing of the lab's
// behind; the sample app refuses to start without its contract variables.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { HOSTS, LAB_DIR, onHost, registryPassword } from '../helpers/lab.ts'
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
    /^net: up 198\.18\.50\.0\/24/m,
    /^dns: up 198\.18\.50\.1:53 zone internal \(registry\.internal → 198\.18\.50\.1\)/m,
    /^registry: up https:\/\/registry\.internal \(TLS, token auth ok\)/m,
    /^compose: v2\./m,
    /^workstation ktrdr-ws: 198\.18\.50\.2 engine up/m,
    /^ktrdr-core: 198\.18\.50\.10 ssh ok, dns ok, mount ok, pull ok, engine up \(dockerd [^,]+, pid \d+, \d+ MB\)/m,
    /^ktrdr-workers-b: 198\.18\.50\.11 ssh ok, dns ok, mount ok, pull ok, engine up/m,
    /^ktrdr-workers-c: 198\.18\.50\.12 ssh ok, dns ok, mount ok, pull ok, engine up/m,
    /^shared: /m,
    /^image ktrdr-lab\/python:3\.13: in the workstation's engine/m,
    /^image registry\.internal\/ktrdr-lab\/timescaledb:2\.19\.3-pg17: in the registry/m,
    /^vault: /m,
  ])
    assert.match(st.stdout, part)
})

test('each host is a namespace of its own: its own engine, /tmp, /opt, home and hostname, and no route out', () => {
  const seen = new Set<string>()
  for (const h of Object.values(HOSTS)) {
    const r = onHost(h, ['bash', '-c', 'hostname; readlink /proc/self/ns/net /proc/self/ns/mnt; ls /opt; echo "$HOME"'])
    assert.is(r.code, 0, r.stderr)
    const [name, net, mnt, ...rest] = r.stdout.trim().split('\n')
    assert.is(name, h)
    for (const ns of [net!, mnt!]) {
      assert.not.ok(seen.has(ns), `${h} shares a namespace: ${ns}`)
      seen.add(ns)
    }
    assert.ok(rest.includes('/root'), r.stdout)
    const engine = onHost(h, ['docker', 'info', '--format', '{{.DockerRootDir}}'])
    assert.is(engine.stdout.trim(), join(LAB_DIR, 'hosts', h, 'docker'), 'its own engine at the default socket')
    // Only the lab's subnet is routed: nothing can be sent outside this machine.
    const out = onHost(h, ['ip', 'route', 'get', '192.0.2.1'])
    assert.is.not(out.code, 0, out.stdout)
    assert.match(out.stderr, /unreachable/i)
    assert.is(onHost(h, ['ip', '-o', 'route', 'show', 'default']).stdout.trim(), '', `${h} has a default route`)
  }
})

const awkwardPassword =
  'the registry password holds the characters that break quoting — ", \\, \', $ and a space — so every e2e uses it'
test(awkwardPassword, () => {
  const pw = registryPassword()
  for (const c of ['"', '\\', "'", '$', ' ']) assert.ok(pw.includes(c), `the lab's registry password lacks ${c}`)
})

test('add-host refuses a name that is not a DNS label, an address outside the lab range or taken, a host twice', () => {
  for (const [name, addr, why] of [
    ['Bad_Name', '198.18.50.40', /is not a DNS label/],
    ['ktrdr-workers-x', '10.0.0.5', /outside the lab's hosts range 198\.18\.50\.10-254/],
    ['ktrdr-workers-x', '198.18.50.2', /outside the lab's hosts range/],
    ['ktrdr-workers-x', '198.18.50.11', /address 198\.18\.50\.11 is taken by lab host ktrdr-workers-b/],
    ['ktrdr-workers-b', '198.18.50.41', /host ktrdr-workers-b already exists at 198\.18\.50\.11/],
  ] as const) {
    const r = spawnSync('bash', ['lab/lab.sh', 'add-host', name, addr], { cwd: REPO, encoding: 'utf8' })
    assert.is(r.status, 1, r.stderr)
    assert.match(r.stderr, why)
    assert.not.ok(existsSync(join(LAB_DIR, 'hosts', 'ktrdr-workers-x')), 'nothing created')
    assert.not.ok(existsSync(join(LAB_DIR, 'hosts', 'Bad_Name')), 'nothing created')
  }
  const home = readFileSync(join(LAB_DIR, 'home.pid'), 'utf8').trim() // the namespaces the lab is made from
  const ns = spawnSync('nsenter', ['-t', home, '-m', '-n', 'ip', 'netns', 'list'], { encoding: 'utf8' }).stdout
  assert.match(ns, /ktrdr-workers-b/)
  assert.not.match(ns, /ktrdr-workers-x|Bad_Name/)
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
  // On a failure, the steps and what the failed one said (its last lines, BIND's log) first: the whole output
  // runs to hundreds of lines, and a report may keep only its head and tail.
  const said = out.split('\n').filter((l) => /^(== |\s+\S.* -> rc=|\s+(named)?\| |lab: error)/.test(l))
  assert.is(r.status, 0, `${said.join('\n')}\n--- the whole output ---\n${out}`)
  const afterDown = [
    ...new Set(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('after down:')),
    ),
  ]
  assert.equal(
    afterDown,
    ['after down: lab dir gone, netns 0, links 0, processes 0, mounts 0, loop detached, iptables rules +0'],
    out,
  )
  assert.match(out, /compose db pulled and healthy over ssh by name in \d+ s; dump: \d+ bytes/)
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
