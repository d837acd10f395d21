// Deploy failures in the lab, each through the real entry point: a held lock (and --force-unlock), a missing
// tag, a refused registry password, Ctrl-C mid-deploy, and one host's sshd dying mid-run.
import { spawn, spawnSync } from 'node:child_process'
import { quote } from 'zx'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { renderScript } from '../../lib/job/render.ts'
import { REPO } from '../helpers/config-copy.ts'
import {
  BAD_TAG,
  containers,
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  holdLock,
  hostPath,
  LAB_CONFIG,
  LAB_DIR,
  labEnv,
  lockHeld,
  labSecrets,
  onHost,
  recordingMake,
  REGISTRY,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'

const opt = (host: string) => hostPath(host, `/opt/${host}`)
const held = lockHeld
const { run, output } = recordingMake()

test.before(() => {
  ensureAppImages()
  const r = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  // uvu drops a before-hook's message (tests/run-suite.sh only counts the tests that never ran): say it here.
  if (r.code !== 0) console.error(`deploy-failures setup: make deploy-workers NODE=all failed:\n${r.stdout}${r.stderr}`)
  assert.is(r.code, 0, r.stdout + r.stderr)
})

const lockHeldTitle =
  'a lock held by another job: refused, naming the job, who and since when; FORCE_UNLOCK stops it, then deploys'
test(lockHeldTitle, async () => {
  // A job on C that holds C's node lock the way lib/job/lock.sh takes it, and says who it is.
  const owner = 'deploy-workers by alice@mac pid 4242 since 2026-11-27T10:00:00Z tag sha-0000000'
  const { child: holder } = await holdLock(HOSTS.c, 'node-c', quote(owner))
  try {
    const r = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
    assert.is.not(r.code, 0)
    assert.match(r.stdout, `node C: refused — held by ${owner}`)
    assert.match(r.stdout, 'FORCE_UNLOCK=1')
    assert.match(r.stdout, /node B\s+ok/)
    assert.is(holder.exitCode, null, "someone else's job is left alone")
    const f = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG, FORCE_UNLOCK: '1' })
    assert.is(f.code, 0, f.stdout + f.stderr)
    assert.match(f.stdout + f.stderr, `stopping the job that held node-c: ${owner}`)
  } finally {
    holder.kill('SIGKILL')
  }
  const again = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG })
  assert.is(again.code, 0, 'the lock went with the job that held it')
})

test('a tag missing from the registry: clear per-host error before anything changes', () => {
  const before = readFileSync(join(opt('ktrdr-workers-b'), 'docker-compose.workers.yml'), 'utf8')
  const r = run('deploy-workers', { NODE: 'B', TAG: 'sha-0000000' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout, `node B: image ${REGISTRY}/ktrdr-worker:sha-0000000 is not in the registry`)
  assert.is(readFileSync(join(opt('ktrdr-workers-b'), 'docker-compose.workers.yml'), 'utf8'), before)
})

test("a wrong registry password: the registry's token service refuses it (401), named; no secret printed", () => {
  const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8'))
  vault.vaults['ktrdr-lab'].registry.password = 'definitely-wrong-password'
  const copy = join(REPO, '.lab-test-vault.json')
  writeFileSync(copy, JSON.stringify(vault), { mode: 0o600 })
  try {
    const r = run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG }, { OP_STANDIN_VAULT: copy })
    assert.is.not(r.code, 0)
    assert.match(
      r.stdout,
      "the registry's token service https://registry.internal:5001/token refused ktrdr-ci's credentials (HTTP 401)",
    )
    assert.not.match(r.stdout + r.stderr, 'definitely-wrong-password')
  } finally {
    spawnSync('rm', ['-f', copy])
  }
})

for (const [policy, why] of [
  [
    { expired: true },
    /the registry registry\.internal refused the token from https:\/\/registry\.internal:5001\/token \(invalid_token\)/,
  ],
  [
    { grant: 'other' },
    /the token from https:\/\/registry\.internal:5001\/token does not grant pull on ktrdr\/ktrdr-worker/,
  ],
] as const)
  test(`a token the registry refuses (${JSON.stringify(policy)}): clear error, nothing deployed`, () => {
    const file = join(LAB_DIR, 'token/policy.json')
    const compose = join(opt('ktrdr-workers-b'), 'docker-compose.workers.yml')
    const before = { compose: readFileSync(compose, 'utf8'), ids: containers(HOSTS.b, 'ktrdr-workers-b') }
    writeFileSync(file, JSON.stringify(policy))
    try {
      const r = run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG })
      assert.is.not(r.code, 0)
      assert.match(r.stdout, why)
    } finally {
      rmSync(file, { force: true })
    }
    assert.is(readFileSync(compose, 'utf8'), before.compose)
    assert.equal(containers(HOSTS.b, 'ktrdr-workers-b'), before.ids)
  })

test('Ctrl-C mid-deploy: the lock is released and the remote shell ends', async () => {
  const child = spawn(
    'node',
    ['dist/deploy-workers.mjs', `--config=${LAB_CONFIG}`, '--node=B', `--tag=${BAD_TAG}`, '--health-timeout=60'],
    { cwd: REPO, env: { ...process.env, ...labEnv() } },
  )
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  for (let i = 0; i < 200 && !out.includes('health'); i++) await new Promise((r) => setTimeout(r, 100))
  assert.ok(held(HOSTS.b, 'node-b'), `lock should be held mid-deploy:\n${out}`)
  child.kill('SIGINT')
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  output.push(out)
  assert.is(code, 130, out)
  for (let i = 0; i < 50 && held(HOSTS.b, 'node-b'); i++) await new Promise((r) => setTimeout(r, 200))
  assert.not.ok(held(HOSTS.b, 'node-b'), 'lock left behind after Ctrl-C')
  const remote = spawnSync('pgrep', ['-f', 'wait_healthy|__ktrdr_main'], { encoding: 'utf8' }).stdout.trim()
  assert.is(remote, '', 'a remote shell is still running')
  assert.match(out, 'interrupted')
  assert.is(run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG }).code, 0, 'the node deploys again afterwards')
})

test("one host's sshd dies mid-run: clear error for that node, the others finish, no lock left", async () => {
  const pidFile = join(LAB_DIR, 'hosts/ktrdr-workers-c/sshd.pid')
  // C's replicas stopped: its deploy must start them and wait out their first health check (interval 3 s),
  // so it holds its lock long enough to be cut mid-run however fast the rest is.
  const ids = hostDocker(HOSTS.c, 'ps', '-q', '--filter', 'label=com.docker.compose.project=ktrdr-workers-c')
    .stdout.split('\n')
    .filter(Boolean)
  if (ids.length) hostDocker(HOSTS.c, 'stop', '-t', '5', ...ids)
  const child = spawn(
    'node',
    ['dist/deploy-workers.mjs', `--config=${LAB_CONFIG}`, '--node=all', `--tag=${GOOD_TAG}`],
    { cwd: REPO, env: { ...process.env, ...labEnv() } },
  )
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((r) => child.once('exit', r))
  let ended = false
  void exited.then(() => (ended = true))
  for (let i = 0; i < 1500 && !ended && !held(HOSTS.c, 'node-c'); i++) await new Promise((r) => setTimeout(r, 20))
  assert.ok(held(HOSTS.c, 'node-c'), `C's deploy never took its lock:\n${out}`)
  // Kill C's sshd and every session it forked: the connection drops mid-deploy.
  const pid = readFileSync(pidFile, 'utf8').trim()
  spawnSync('pkill', ['-KILL', '-P', pid])
  spawnSync('kill', ['-KILL', pid])
  const code = await exited
  output.push(out)
  // Bring C's sshd back for what follows, once the killed one is gone (a zombie counts as gone).
  for (
    let i = 0;
    i < 100 && /^State:\s*[^ZX]/m.test(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout);
    i++
  )
    await new Promise((r) => setTimeout(r, 50))
  spawnSync('bash', ['lab/lab.sh', 'up'], { cwd: REPO, stdio: 'ignore' })
  assert.is(
    spawnSync('ssh', ['-F', join(LAB_DIR, 'ssh/ssh_config'), 'root@ktrdr-workers-c.internal', 'true']).status,
    0,
    "C's sshd is back after the test",
  )
  assert.is(code, 1, out)
  assert.match(out, /node B\s+ok/)
  assert.match(
    out,
    new RegExp(
      'node C\\s+FAILED — node C: (lost the SSH connection to root@ktrdr-workers-c\\.internal|' +
        'cannot reach root@ktrdr-workers-c\\.internal over SSH)',
    ),
  )
  for (let i = 0; i < 50 && held(HOSTS.c, 'node-c'); i++) await new Promise((r) => setTimeout(r, 200))
  assert.not.ok(held(HOSTS.c, 'node-c'), 'lock left behind on C')
})

const squatter = 'ktrdr-port-squatter'
test("B's port 9002 taken by another container: the deploy names it; B deploys again once it is gone", () => {
  const b = HOSTS.b
  const addr = readFileSync(join(LAB_DIR, `hosts/${b}/addr`), 'utf8').trim()
  const image = hostDocker(b, 'inspect', '-f', '{{.Image}}', `${b}-worker-1-1`).stdout.trim()
  // worker-3 gone (so the deploy is no longer "unchanged" and must create it); its port taken meanwhile.
  assert.is(hostDocker(b, 'rm', '-f', `${b}-worker-3-1`).code, 0)
  const sq = hostDocker(
    b,
    'run',
    '-d',
    '--name',
    squatter,
    '-p',
    `${addr}:9002:9000`,
    '--entrypoint',
    'sleep',
    image,
    'infinity',
  )
  assert.is(sq.code, 0, sq.stderr)
  try {
    const r = run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG })
    assert.is.not(r.code, 0, r.stdout)
    const taken = `port 9002 on ${addr} is taken by the container ${squatter} (project none)`
    assert.match(r.stdout, `node B: ${taken}: stop it or give this stack another port, then deploy again`)
    assert.match(r.stdout, `compose-failed: compose could not start ${GOOD_TAG} again: ${taken}`)
    const audit = readFileSync(join(opt(b), 'deploy-audit.log'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!
    assert.match(audit, `tag=${GOOD_TAG} services=worker-1,worker-2,worker-3 action=deploy result=compose-failed`)
  } finally {
    hostDocker(b, 'rm', '-f', squatter)
  }
  const again = run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG })
  assert.is(again.code, 0, again.stdout + again.stderr)
  assert.is(containers(b, b).length, 3)
})

test('a port the engine gives out to no container: said so, with the one repair', () => {
  const script = (err: string) => renderScript({ lib: ['deploy/deploy.sh'], body: [`port_taken ${quote(err)}`] })
  const lost = onHost(HOSTS.b, ['bash', '-s'], {
    input: script(
      'Error response from daemon: driver failed programming external connectivity on endpoint x (1f): ' +
        'Bind for 198.18.50.11:9099 failed: port is already allocated',
    ),
  })
  assert.is(lost.code, 0, lost.stderr)
  assert.is(
    lost.stdout,
    'port 9099 on 198.18.50.11 is taken, yet no container on this engine publishes it: the engine lost track of ' +
      'it (restart docker on this host, then deploy again)',
  )
  const brief = onHost(HOSTS.b, ['bash', '-s'], {
    input: renderScript({
      lib: ['deploy/deploy.sh'],
      body: [`port_taken ${quote('Bind for 198.18.50.11:9099 failed: port is already allocated')} brief`],
    }),
  })
  assert.is(brief.stdout, 'port 9099 on 198.18.50.11 is taken, yet no container on this engine publishes it')
  const other = onHost(HOSTS.b, ['bash', '-s'], { input: script('no such image') })
  assert.equal([other.code, other.stdout], [0, ''])
})

test('no secret printed by any of these runs', () => {
  assert.equal(leaksIn(output.join('\n'), labSecrets()), [])
})

test.run()
