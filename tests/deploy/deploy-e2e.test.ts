// Deploy in the lab through the real make targets: core and every worker node, a no-change redeploy, an
// unhealthy tag rolled back, node D added by config only — while every process's argv is watched.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import {
  BACKEND,
  BAD_TAG,
  containers,
  ensureAppImages,
  getJson,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  hostPath,
  LAB_CONFIG,
  labSecrets,
  onHost,
  recordingMake,
  REGISTRY,
  until,
  lockHeld,
} from '../helpers/lab.ts'
import { filesSince, leaksIn, leaksInFiles, watchArgv, type Watcher } from '../helpers/leaks.ts'

type Worker = { worker_id: string; url: string; status: string }
const workers = () => getJson<Worker[]>(`${BACKEND}/workers`)
const LAB_URLS = [
  'http://ktrdr-workers-b.internal:9000',
  'http://ktrdr-workers-b.internal:9001',
  'http://ktrdr-workers-b.internal:9002',
  'http://ktrdr-workers-c.internal:9000',
  'http://ktrdr-workers-c.internal:9001',
]
const all = () => [
  ...containers(HOSTS.core, 'ktrdr-core'),
  ...containers(HOSTS.b, 'ktrdr-workers-b'),
  ...containers(HOSTS.c, 'ktrdr-workers-c'),
]
/** A worker host as a fresh LXC has it: no stack, no images. */
const freshNode = (host: string) => {
  onHost(host, ['docker', 'compose', '-f', `/opt/${host}/docker-compose.workers.yml`, 'down', '-t', '5'])
  const images = hostDocker(host, 'image', 'ls', '-q').stdout.split('\n').filter(Boolean)
  if (images.length) hostDocker(host, 'image', 'rm', '-f', ...images)
}

let watcher: Watcher
let started = 0
const { run, output } = recordingMake()

test.before(() => {
  ensureAppImages()
  started = Date.now()
  watcher = watchArgv()
})

const deployAll =
  'deploy core all and workers all: hosts log in and pull; the backend lists every replica by its explicit URL'
test(deployAll, async () => {
  const core = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG })
  assert.is(core.code, 0, core.stdout + core.stderr)
  for (const h of [HOSTS.b, HOSTS.c]) freshNode(h)
  const w = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is(w.code, 0, w.stdout + w.stderr)
  assert.match(w.stdout, /node B\s+ok \(tag sha-e2e0001; worker-1, worker-2, worker-3; logged in and pulled\)/)
  assert.match(w.stdout, /node C\s+ok \(tag sha-e2e0001; worker-1, worker-2; logged in and pulled\)/)
  for (const h of [HOSTS.b, HOSTS.c]) {
    // Deployed by digest: the compose file names the registry's digest of the tag, and the host pulled it.
    const compose = readFileSync(hostPath(h, `/opt/${h}/docker-compose.workers.yml`), 'utf8')
    const pinned = /image: (\S+@sha256:[0-9a-f]{64})$/m.exec(compose)?.[1]
    assert.ok(pinned?.startsWith(`${REGISTRY}/ktrdr-worker@sha256:`), compose)
    assert.not.match(compose, `image: ${REGISTRY}/ktrdr-worker:`)
    const digests = hostDocker(h, 'image', 'inspect', '-f', '{{json .RepoDigests}}', pinned!)
    assert.match(digests.stdout, pinned!, `${h} pulled the image from the registry`)
  }
  const listed = await until(workers, (ws) => LAB_URLS.every((u) => ws.some((x) => x.url === u && x.status === 'ok')))
  for (const u of LAB_URLS)
    assert.ok(
      listed.some((x) => x.url === u && x.status === 'ok'),
      `${u} not listed ok: ${JSON.stringify(listed)}`,
    )
  const health = await getJson<{ db: string }>(`${BACKEND}/health`)
  assert.is(health.db, 'ok')
})

const noChangeRedeploy =
  'a redeploy with no change recreates nothing, and neither logs in nor pulls (the images are at the registry digest)'
test(noChangeRedeploy, () => {
  const before = all()
  const w = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is(w.code, 0, w.stdout + w.stderr)
  // Each host already runs exactly this deploy: left as it is (deploy.sh unchanged; tests/deploy/unchanged.test.ts).
  const same = 'already running exactly this: nothing shipped, pulled or recreated'
  assert.match(w.stdout, `node B   ok (tag sha-e2e0001; worker-1, worker-2, worker-3; ${same})`)
  assert.match(w.stdout, `node C   ok (tag sha-e2e0001; worker-1, worker-2; ${same})`)
  assert.is(run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }).code, 0)
  const after = all()
  assert.equal(after, before)
})

test('a tag that fails its health check is rolled back; the old replicas stay registered', async () => {
  const r = run('deploy-workers', { NODE: 'B', TAG: BAD_TAG, HEALTH_TIMEOUT: '40' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, `node B: unhealthy after deploy`)
  assert.match(r.stdout + r.stderr, `rolled back to ${GOOD_TAG}`)
  const images = hostDocker(
    HOSTS.b,
    ...['ps', '--format', '{{.Label "ktrdr.tag"}}', '--filter', 'label=com.docker.compose.project=ktrdr-workers-b'],
  ).stdout
  assert.not.match(images, BAD_TAG)
  assert.match(images, GOOD_TAG)
  const listed = await until(workers, (ws) => LAB_URLS.every((u) => ws.some((x) => x.url === u && x.status === 'ok')))
  for (const u of LAB_URLS.slice(0, 3))
    assert.ok(
      listed.some((x) => x.url === u && x.status === 'ok'),
      `${u} lost after rollback`,
    )
  // Rolled back: running as before, and status says the last deploy did not land (drift, exit non-zero).
  const status = run('status', { NODE: 'B' })
  assert.is.not(status.code, 0, status.stdout)
  assert.match(status.stdout, `result=rolled-back-to=${GOOD_TAG}`)
  assert.match(status.stdout, `DRIFT partial: record #`)
  assert.not.match(status.stdout, /DRIFT (?!partial|audit)/)
})

const nodeD =
  'node D: a lab host, one entry in worker-nodes.yml, make deploy-workers NODE=D — no compose file by hand, no code'
test(nodeD, async () => {
  const add = spawnSync('bash', ['lab/lab.sh', 'add-host', 'ktrdr-workers-d', '198.18.50.13'], { encoding: 'utf8' })
  assert.is(add.status, 0, add.stderr)
  const entry =
    `  - name: D\n    host: ktrdr-workers-d\n    address: 198.18.50.13\n` +
    `    compose_path: /opt/ktrdr-workers-d/docker-compose.workers.yml\n`
  const dir = configCopy([{ file: 'worker-nodes.yml', from: /$/, to: entry }], LAB_CONFIG)
  const url = 'http://ktrdr-workers-d.internal:9000'
  try {
    const d = run('deploy-workers', { NODE: 'D', TAG: GOOD_TAG, CONFIG: dir })
    assert.is(d.code, 0, d.stdout + d.stderr)
    assert.match(d.stdout, /node D\s+ok \(tag sha-e2e0001; worker-1; logged in and pulled\)/)
    // The worker registered with its explicit URL, and the backend reaches it by that name (BIND has the new
    // host's record: no redeploy of the core is needed for it).
    const listed = await until(workers, (ws) => ws.some((x) => x.url === url && x.status === 'ok'))
    assert.ok(
      listed.some((x) => x.url === url && x.status === 'ok'),
      JSON.stringify(listed),
    )
    assert.match(
      readFileSync(hostPath('ktrdr-workers-d', '/opt/ktrdr-workers-d/docker-compose.workers.yml'), 'utf8'),
      `WORKER_PUBLIC_BASE_URL=${url}`,
    )
  } finally {
    spawnSync('bash', ['lab/lab.sh', 'rm-host', 'ktrdr-workers-d'], { stdio: 'ignore' })
  }
})

test('no secret value in any argv, any file the runs created, or any output', async () => {
  const argv = await watcher.stop()
  const secrets = labSecrets()
  assert.ok(secrets.length >= 4)
  assert.match(argv, /# samples \d+/)
  assert.ok(argv.includes('bash -s'), 'the watcher saw the remote shells')
  assert.equal(leaksIn(argv, secrets), [], 'a secret sat in some process argv')
  // What the sampling could miss: PostgreSQL writes its process titles over its argv *and environment*, so
  // a server process that holds the password in its environment can show it in `ps` at any moment.
  // The server's own processes only (the postmaster, PID 1 of the container, and its children): what `docker
  // exec` starts — the healthcheck's pg_isready — gets the container's configured environment by design.
  const db = containers(HOSTS.core, 'ktrdr-core').find(
    (id) =>
      hostDocker(
        HOSTS.core,
        'inspect',
        '-f',
        '{{index .Config.Labels "com.docker.compose.service"}}',
        id,
      ).stdout.trim() === 'db',
  )!
  const postmaster = hostDocker(HOSTS.core, 'inspect', '-f', '{{.State.Pid}}', db).stdout.trim()
  const dbPids = [
    postmaster,
    ...spawnSync('ps', ['-o', 'pid=', '--ppid', postmaster], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  ]
  assert.ok(dbPids.length >= 4, `the db server's processes: ${dbPids.join(' ')}`)
  const environs = dbPids
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1')
      } catch {
        return ''
      }
    })
    .join('\n')
  assert.equal(leaksIn(environs, secrets), [], 'a db server process holds a secret in its environment')
  assert.equal(leaksIn(output.join('\n'), secrets), [], 'a secret was printed')
  // Every host's own /opt, /root, /tmp and /dev/shm, and the workstation's /tmp and /dev/shm.
  const roots = Object.values(HOSTS).flatMap((h) => ['/opt', '/root', '/tmp', '/dev/shm'].map((p) => hostPath(h, p)))
  const files = filesSince([...roots, '/tmp', '/dev/shm'], started).filter((f) => !f.startsWith('/tmp/ktrdr-argv-'))
  assert.ok(files.some((f) => f.endsWith('deploy-audit.log')))
  assert.equal(leaksInFiles(files, secrets), [], 'a secret landed in a file')
  // The bundles' V8 code caches, which a run may write (build.mjs): compiled code only, never a value read.
  const dist = readdirSync('dist').map((f) => `dist/${f}`)
  assert.ok(
    dist.some((f) => f.startsWith('dist/deploy-workers.') && f.endsWith('.cache')),
    dist.join(' '),
  )
  assert.equal(leaksInFiles(dist, secrets), [], 'a secret landed in dist/')
  assert.not.ok(lockHeld(HOSTS.b, 'node-b'), 'lock left behind')
})

test.run()
