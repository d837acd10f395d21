// Drain-aware rolling worker deploys on the lab, through `make deploy-workers` (design §6.5, §7.4; issue #20):
// a job on B's worker-1 while B rolls to a new tag finishes with its whole result, worker-1 is replaced only
// after it, and B never has fewer than replicas − 1 healthy workers (sampled every second); DRAIN_TIMEOUT=5s
// leaves worker-1 on its release, says which job holds it, exits non-zero and records the deploy partial;
// FORCE=1 replaces it anyway, and the backend re-queues the job to another worker, whose result is the only
// one; a redeploy of what runs drains and recreates nothing; Ctrl-C while draining un-drains and unlocks; a
// backend deploy loses no job (its unavailable window, probed every 100 ms, is printed).
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import {
  BACKEND,
  backendHealthy,
  ensureAppImages,
  GOOD_TAG,
  getJson,
  HOSTS,
  hostDocker,
  hostPath,
  LAB_CONFIG,
  labEnv,
  labSecrets,
  lockHeld,
  longestDown,
  pushVariant,
  pushWorkerVariant,
  recordingMake,
  until,
  ZONE,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'

const B = HOSTS.b
const PROJECT = 'ktrdr-workers-b'
const TAGS = ['sha-d4a1001', 'sha-d4a1002', 'sha-d4a1003', 'sha-d4a1004'] as const
const BACKEND_TAG = 'sha-bac0001'
const W1 = `http://${B}.${ZONE}:9000`
const { run, output } = recordingMake()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Job {
  job_id: string
  state: string
  worker_id: string | null
  attempts: number
}
interface Worker {
  worker_id: string
  url: string
}
interface Status {
  state: string
  draining: boolean
  job_id: string | null
}

const post = async (url: string, body?: unknown) => {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(5000),
  })
  return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> }
}
const job = (id: string) => getJson<Job>(`${BACKEND}/jobs/${id}`)
const status = (url: string) => getJson<Status>(`${url}/status`)
const result = (id: string) =>
  JSON.parse(readFileSync(hostPath(B, `/mnt/ktrdr-shared/results/${id}/result.json`), 'utf8')) as {
    job_id: string
    duration: number
    worker_id: string
    attempt: number
    finished: number
  }

/** B's containers by service: id, tag label, created (seconds since the epoch), health. */
function workersOfB(): Map<string, { id: string; tag: string; created: number; healthy: boolean }> {
  const ids = hostDocker(B, 'ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`)
    .stdout.split('\n')
    .filter(Boolean)
  const out = new Map<string, { id: string; tag: string; created: number; healthy: boolean }>()
  if (!ids.length) return out
  const format =
    '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{index .Config.Labels "ktrdr.tag"}} ' +
    '{{.Created}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}'
  for (const line of hostDocker(B, 'inspect', '-f', format, ...ids)
    .stdout.trim()
    .split('\n')) {
    const [svc, id, tag, created, health] = line.split(' ')
    out.set(svc!, { id: id!, tag: tag!, created: Date.parse(created!) / 1000, healthy: health === 'healthy' })
  }
  return out
}

/**
 * A job of `seconds` running on worker-1 of B: every other registered worker is told to drain while the
 * backend hands it out, then to take jobs again.
 */
async function jobOnWorker1(seconds: number, name: string): Promise<string> {
  const workers = await getJson<Worker[]>(`${BACKEND}/workers`)
  const w1 = workers.find((w) => w.url === W1)
  assert.ok(w1, `worker-1 of B is not registered: ${JSON.stringify(workers)}`)
  const others = workers.filter((w) => w.url !== W1)
  await Promise.all(others.map((w) => post(`${w.url}/drain`).catch(() => undefined)))
  try {
    const made = await post(`${BACKEND}/jobs`, { name, duration: seconds })
    assert.is(made.status, 201, JSON.stringify(made.body))
    const id = String(made.body.job_id)
    const j = await until(
      () => job(id),
      (x) => x?.state === 'running',
      20,
    )
    assert.is(j?.worker_id, w1!.worker_id, `job ${id} went elsewhere: ${JSON.stringify(j)}`)
    await until(
      () => status(W1),
      (s) => s?.job_id === id,
      10,
    )
    return id
  } finally {
    await Promise.all(others.map((w) => post(`${w.url}/resume`).catch(() => undefined)))
  }
}

/** `make TARGET …` on the lab config, started in its own process group (a terminal's Ctrl-C reaches all of it)
 * and left running: this process keeps sampling meanwhile. */
function makeAsync(
  target: string,
  vars: Record<string, string>,
): { child: ChildProcess; out: () => string; done: Promise<number> } {
  const args = ['--no-print-directory', '-s', target, `CONFIG=${LAB_CONFIG}`]
  const child = spawn('make', [...args, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', ...labEnv() },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout!.on('data', (d) => (text += d))
  child.stderr!.on('data', (d) => (text += d))
  const done = new Promise<number>((r) => child.once('close', (code) => r(code ?? -1)))
  void done.then(() => output.push(text))
  return { child, out: () => text, done }
}
const deployB = (vars: Record<string, string>) => makeAsync('deploy-workers', { NODE: 'B', ...vars })

/** Every second until `done`: B's replicas. */
async function sample(done: Promise<number>) {
  const seen: ReturnType<typeof workersOfB>[] = []
  let over = false
  void done.then(() => (over = true))
  while (!over) {
    seen.push(workersOfB())
    await sleep(1000)
  }
  return seen
}

const newestRecord = () => {
  const dir = hostPath(B, `/opt/${B}/deploys`)
  const last = readdirSync(dir)
    .filter((f) => /^\d{6}\.json$/.test(f))
    .sort()
    .at(-1)!
  return JSON.parse(readFileSync(`${dir}/${last}`, 'utf8')) as { state: string; result: string }
}

test.before(async () => {
  ensureAppImages()
  for (const tag of TAGS) pushWorkerVariant(tag)
  pushVariant('ktrdr-backend', BACKEND_TAG)
  const core = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG })
  assert.is(core.code, 0, core.stdout + core.stderr)
  await backendHealthy()
  const b = run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG })
  assert.is(b.code, 0, b.stdout + b.stderr)
  await until(
    () => status(W1).then((s) => s as Status & { registered?: boolean }),
    (s) => s?.registered === true,
  )
})

test('a job on worker-1 while B rolls to a new tag: it finishes whole, then worker-1 is replaced', async () => {
  const before = workersOfB()
  const id = await jobOnWorker1(15, 'rolling-1')
  const d = deployB({ TAG: TAGS[0] })
  const seen = await sample(d.done)
  const code = await d.done
  assert.is(code, 0, d.out())
  const after = workersOfB()
  for (const svc of ['worker-1', 'worker-2', 'worker-3']) {
    assert.is(after.get(svc)?.tag, TAGS[0], `${svc} not on the new tag`)
    assert.is.not(after.get(svc)?.id, before.get(svc)?.id, `${svc} not recreated`)
  }
  const j = await until(
    () => job(id),
    (x) => x?.state === 'done',
    30,
  )
  assert.is(j.state, 'done', JSON.stringify(j))
  assert.is(j.attempts, 1, `the job was handed out again: ${JSON.stringify(j)}`)
  const r = result(id)
  assert.is(r.duration, 15)
  assert.is(r.attempt, 1)
  assert.ok(
    after.get('worker-1')!.created >= r.finished - 0.5,
    `worker-1 was replaced (${after.get('worker-1')!.created}) before its job finished (${r.finished})`,
  )
  const fewest = Math.min(...seen.map((s) => [...s.values()].filter((w) => w.healthy).length))
  assert.ok(fewest >= 2, `only ${fewest} healthy workers on B at one sample (of ${seen.length})`)
  assert.ok(seen.length >= 10, `${seen.length} samples: the deploy did not wait for the job`)
  // The tree says each replica's phase.
  assert.match(d.out(), new RegExp(`worker-1 draining: job ${id} running since`))
  assert.match(d.out(), `worker-1 idle (its job ${id} finished)`)
  assert.match(d.out(), 'worker-1 replaced')
  assert.match(d.out(), 'worker-1 registered')
})

test('DRAIN_TIMEOUT=5s: worker-1 stays on its release, resumed, its job named; partial, non-zero', async () => {
  const before = workersOfB()
  const id = await jobOnWorker1(20, 'rolling-2')
  const d = deployB({ TAG: TAGS[1], DRAIN_TIMEOUT: '5s' })
  const code = await d.done
  assert.is.not(code, 0, d.out())
  assert.match(d.out(), `node B: partly updated: worker-1 is still running job ${id} after 5s: left on its release`)
  assert.match(d.out(), 'FORCE=1')
  const after = workersOfB()
  assert.equal(
    [...after.entries()].map(([svc, w]) => [svc, w.id, w.tag]).sort(),
    [...before.entries()].map(([svc, w]) => [svc, w.id, w.tag]).sort(),
    'nothing was replaced',
  )
  const rec = newestRecord()
  assert.is(rec.state, 'partial')
  assert.match(rec.result, `drain-timeout worker-1 job=${id}`)
  const s = await status(W1)
  assert.is(s.draining, false, 'worker-1 was not told to take jobs again')
  assert.is(s.job_id, id, 'the job kept running')
  assert.not.ok(lockHeld(B, 'node-b'), 'the lock is still held')
  const j = await until(
    () => job(id),
    (x) => x?.state === 'done',
    30,
  )
  assert.is(j.attempts, 1, JSON.stringify(j))
})

test('FORCE=1: worker-1 replaced while busy, the job named, re-queued, its result written once', async () => {
  const id = await jobOnWorker1(25, 'rolling-3')
  const d = deployB({ TAG: TAGS[1], DRAIN_TIMEOUT: '3s', FORCE: '1' })
  const code = await d.done
  assert.is(code, 0, d.out())
  assert.match(d.out(), `interrupted job ${id} on worker-1 (re-queued)`)
  assert.match(d.out(), `job ${id} on worker-1 was still running at the drain deadline and was interrupted`)
  for (const w of workersOfB().values()) assert.is(w.tag, TAGS[1])
  const j = await until(
    () => job(id),
    (x) => x?.state === 'done',
    60,
  )
  assert.is(j.state, 'done', JSON.stringify(j))
  assert.is(j.attempts, 2, `the job was not re-queued once: ${JSON.stringify(j)}`)
  const r = result(id)
  assert.is(r.attempt, 2, 'the result is the second run')
  assert.is(
    readdirSync(hostPath(B, `/mnt/ktrdr-shared/results/${id}`))
      .filter((f) => f.startsWith('result'))
      .join(' '),
    'result.json',
  )
  assert.is(newestRecord().state, 'complete')
})

test('a redeploy of what runs drains nothing and recreates nothing, a busy worker-1 untouched', async () => {
  const before = workersOfB()
  const id = await jobOnWorker1(10, 'rolling-4')
  const r = run('deploy-workers', { NODE: 'B', TAG: TAGS[1] })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.not.match(r.stdout, 'draining')
  assert.equal(
    [...workersOfB().entries()].map(([svc, w]) => [svc, w.id]).sort(),
    [...before.entries()].map(([svc, w]) => [svc, w.id]).sort(),
  )
  const s = await status(W1)
  assert.is(s.draining, false)
  assert.is(s.job_id, id)
})

test('Ctrl-C while draining: worker-1 takes jobs again, B back on its release, partial, unlocked', async () => {
  await until(
    () => status(W1),
    (s) => s?.state === 'idle',
    20,
  )
  const before = workersOfB()
  const id = await jobOnWorker1(20, 'rolling-5')
  const d = deployB({ TAG: TAGS[2] })
  const drained = await until(
    () => status(W1),
    (s) => s?.draining === true,
    30,
  )
  assert.ok(drained?.draining, `worker-1 never drained:\n${d.out()}`)
  process.kill(-d.child.pid!, 'SIGINT')
  const code = await d.done
  assert.is.not(code, 0, d.out())
  // Nothing was replaced yet: the whole previous release is back (the drained replica never stopped).
  assert.ok(d.out().includes(`node B: interrupted: back on ${TAGS[1]}, running and healthy`), d.out())
  const s = await status(W1)
  assert.is(s.draining, false, 'worker-1 stays drained')
  assert.is(s.job_id, id)
  assert.is(workersOfB().get('worker-1')?.id, before.get('worker-1')?.id)
  assert.is(newestRecord().state, 'partial')
  for (let i = 0; i < 25 && lockHeld(B, 'node-b'); i++) await sleep(200)
  assert.not.ok(lockHeld(B, 'node-b'), 'the lock is still held')
  const back = run('deploy-workers', { NODE: 'B', TAG: TAGS[1] })
  assert.is(back.code, 0, back.stdout + back.stderr)
})

test('a backend deploy loses no job: the worker keeps it, re-registers, the job ends done once', async () => {
  const id = await jobOnWorker1(20, 'rolling-6')
  // The backend's unavailable window, as a client sees it (the deploy started asynchronously, so the probe runs).
  let code = -1
  const d = makeAsync('deploy-core', { SERVICE: 'backend', TAG: BACKEND_TAG })
  const longest = await longestDown(`${BACKEND}/health`, async () => (code = await d.done))
  await backendHealthy()
  assert.is(code, 0, d.out())
  console.log(`  backend unavailable for ${longest.toFixed(1)} s at most during deploy-core SERVICE=backend`)
  const s = await status(W1)
  assert.is(s.job_id, id, 'the worker lost its job')
  const j = await until(
    () => job(id),
    (x) => x?.state === 'done',
    40,
  )
  assert.is(j.state, 'done', JSON.stringify(j))
  assert.is(j.attempts, 1, `the job was handed out again: ${JSON.stringify(j)}`)
  assert.is(result(id).attempt, 1)
  const w = await getJson<(Worker & { status: string })[]>(`${BACKEND}/workers`)
  assert.is(w.find((x) => x.url === W1)?.status, 'ok', JSON.stringify(w))
})

test('no secret value in any output of this suite', () => {
  assert.equal(leaksIn(output.join('\n'), labSecrets()), [])
})

test.run()
