// Deploy in the lab through the real make targets: core and every worker node, a no-change redeploy, an
// unhealthy tag rolled back, node D added by config only — while every process's argv is watched.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import {
  BAD_TAG,
  ensureAppImages,
  getJson,
  GOOD_TAG,
  LAB_CONFIG,
  LAB_DIR,
  labSecrets,
  recordingMake,
  until,
} from '../helpers/lab.ts'
import { filesSince, leaksIn, leaksInFiles, watchArgv, type Watcher } from '../helpers/leaks.ts'

type Worker = { worker_id: string; url: string; status: string }
const BACKEND = 'http://127.0.0.10:18000'
const workers = () => getJson<Worker[]>(`${BACKEND}/workers`)
const LAB_URLS = [
  'http://ktrdr-workers-b.internal:19000',
  'http://ktrdr-workers-b.internal:19001',
  'http://ktrdr-workers-c.internal:19100',
  'http://ktrdr-workers-c.internal:19101',
]
const containers = (project: string) =>
  spawnSync('docker', ['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter(Boolean)
    .sort()

let watcher: Watcher
let started = 0
const { run, output } = recordingMake()

test.before(() => {
  ensureAppImages()
  started = Date.now()
  watcher = watchArgv()
})

test('deploy core all and workers all: the backend lists every replica with its explicit URL', async () => {
  const core = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG })
  assert.is(core.code, 0, core.stdout + core.stderr)
  // The lab's hosts share one engine, where the image was built: untag it so the hosts must log in and pull.
  spawnSync('docker', ['rmi', '-f', `127.0.0.1:5000/ktrdr/ktrdr-worker:${GOOD_TAG}`], { stdio: 'ignore' })
  const w = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is(w.code, 0, w.stdout + w.stderr)
  assert.match(w.stdout, /node B\s+ok \(tag sha-e2e0001; worker-1, worker-2; logged in and pulled\)/)
  assert.match(
    w.stdout,
    /node C\s+ok \(tag sha-e2e0001; worker-1, worker-2; (logged in and pulled|images were current: no login, no pull)\)/,
  )
  assert.is(
    spawnSync('docker', ['image', 'inspect', `127.0.0.1:5000/ktrdr/ktrdr-worker:${GOOD_TAG}`]).status,
    0,
    'the image was pulled back',
  )
  const listed = await until(workers, (ws) => LAB_URLS.every((u) => ws.some((x) => x.url === u && x.status === 'ok')))
  for (const u of LAB_URLS)
    assert.ok(
      listed.some((x) => x.url === u && x.status === 'ok'),
      `${u} not listed ok: ${JSON.stringify(listed)}`,
    )
  const health = await getJson<{ db: string }>(`${BACKEND}/health`)
  assert.is(health.db, 'ok')
})

test('a redeploy with no change recreates nothing, and neither logs in nor pulls (the images are at the registry digest)', () => {
  const before = [...containers('ktrdr-core'), ...containers('ktrdr-workers-b'), ...containers('ktrdr-workers-c')]
  const w = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is(w.code, 0, w.stdout + w.stderr)
  assert.match(w.stdout, /node B\s+ok \(tag sha-e2e0001; worker-1, worker-2; images were current: no login, no pull\)/)
  assert.match(w.stdout, /node C\s+ok \(tag sha-e2e0001; worker-1, worker-2; images were current: no login, no pull\)/)
  assert.is(run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }).code, 0)
  const after = [...containers('ktrdr-core'), ...containers('ktrdr-workers-b'), ...containers('ktrdr-workers-c')]
  assert.equal(after, before)
})

test('a tag that fails its health check is rolled back; the old replicas stay registered', async () => {
  const r = run('deploy-workers', { NODE: 'B', TAG: BAD_TAG, HEALTH_TIMEOUT: '40' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, `node B: unhealthy after deploy`)
  assert.match(r.stdout + r.stderr, `rolled back to ${GOOD_TAG}`)
  const images = spawnSync(
    'docker',
    ['ps', '--format', '{{.Image}}', '--filter', 'label=com.docker.compose.project=ktrdr-workers-b'],
    { encoding: 'utf8' },
  ).stdout
  assert.not.match(images, BAD_TAG)
  assert.match(images, GOOD_TAG)
  const listed = await until(workers, (ws) => LAB_URLS.every((u) => ws.some((x) => x.url === u && x.status === 'ok')))
  for (const u of LAB_URLS.slice(0, 2))
    assert.ok(
      listed.some((x) => x.url === u && x.status === 'ok'),
      `${u} lost after rollback`,
    )
  const status = run('status', { NODE: 'B' })
  assert.is(status.code, 0, status.stdout)
  assert.match(status.stdout, `result=rolled-back-to=${GOOD_TAG}`)
})

test('node D: one entry in worker-nodes.yml and make deploy-workers NODE=D — no compose file by hand, no code', async () => {
  assert.is(
    spawnSync('bash', ['lab/lab.sh', 'add-host', 'ktrdr-workers-d', '127.0.0.13'], { stdio: 'ignore' }).status,
    0,
  )
  const entry = `  - name: D\n    host: ktrdr-workers-d\n    address: 127.0.0.13\n    ssh: ktrdr-workers-d\n    compose_path: ${LAB_DIR}/hosts/ktrdr-workers-d/opt/ktrdr-workers-d/docker-compose.workers.yml\n    port: 19200\n`
  const dir = configCopy([{ file: 'worker-nodes.yml', from: /$/, to: entry }], LAB_CONFIG)
  try {
    const d = run('deploy-workers', { NODE: 'D', TAG: GOOD_TAG, CONFIG: dir })
    assert.is(d.code, 0, d.stdout + d.stderr)
    // The worker registered itself with its explicit URL. (The backend's polls reach it once the core is
    // redeployed with the new config — Prometheus' scrape list and, in the lab, the core's extra_hosts —
    // which docs/deploy.md says to do after adding a node; the first test already proves polling works.)
    const listed = await until(workers, (ws) => ws.some((x) => x.url === 'http://ktrdr-workers-d.internal:19200'))
    assert.ok(
      listed.some((x) => x.url === 'http://ktrdr-workers-d.internal:19200'),
      JSON.stringify(listed),
    )
    assert.match(
      readFileSync(`${LAB_DIR}/hosts/ktrdr-workers-d/opt/ktrdr-workers-d/docker-compose.workers.yml`, 'utf8'),
      'WORKER_PUBLIC_BASE_URL=http://ktrdr-workers-d.internal:19200',
    )
  } finally {
    spawnSync(
      'docker',
      ['compose', '-f', `${LAB_DIR}/hosts/ktrdr-workers-d/opt/ktrdr-workers-d/docker-compose.workers.yml`, 'down'],
      { stdio: 'ignore' },
    )
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
  const db = containers('ktrdr-core').find(
    (id) =>
      spawnSync('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}}', id], {
        encoding: 'utf8',
      }).stdout.trim() === 'db',
  )!
  const postmaster = spawnSync('docker', ['inspect', '-f', '{{.State.Pid}}', db], { encoding: 'utf8' }).stdout.trim()
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
  const files = filesSince([join(LAB_DIR, 'hosts'), '/tmp', '/dev/shm'], started).filter(
    (f) => !f.startsWith('/tmp/ktrdr-argv-'),
  )
  assert.ok(files.some((f) => f.endsWith('deploy-audit.log')))
  assert.equal(leaksInFiles(files, secrets), [], 'a secret landed in a file')
  assert.not.ok(
    existsSync(join(LAB_DIR, 'hosts/ktrdr-workers-b/opt/ktrdr-workers-b/.ktrdr-deploy.lock')),
    'lock left behind',
  )
})

test.run()
