// The middle layer of a rolling worker deploy (lib/deploy/rolling.sh's `roll`, rendered with the real binder's
// variables and run under bash as on a host): docker stood in for on PATH, each replica a real HTTP worker in
// this process (its /status, /drain, /resume), reached over bash's /dev/tcp as on a host. Only the changed
// replica is drained; a busy one at its deadline is left, resumed and recorded partial (exit 74); FORCE
// replaces it and names its job; one that does not answer is replaced without a drain; when compose cannot
// say the hashes every replica counts as changed, max_unavailable of them at once.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { WORKERS_LIB } from '../../lib/deploy/scripts.ts'
import { events } from '../../lib/job/protocol.ts'
import { bind, framed, renderScript } from '../../lib/job/render.ts'
import { stubs } from '../helpers/stubs.ts'
import { tempDir } from '../helpers/tmp.ts'

process.env.KTRDR_OPERATOR = 'e2e@test'

/** A worker as the sample app's: busy with `job` until `busyFor` seconds from its start, unless drained first. */
interface FakeWorker {
  server: Server
  addr: string
  requests: string[]
  draining: boolean
}
async function worker(job: string | null, busyFor: number, registered = true): Promise<FakeWorker> {
  const started = Date.now()
  const w = { requests: [] as string[], draining: false } as FakeWorker
  w.server = createServer((req, res) => {
    w.requests.push(`${req.method} ${req.url}`)
    if (req.method === 'POST' && req.url === '/drain') w.draining = true
    if (req.method === 'POST' && req.url === '/resume') w.draining = false
    const busy = job !== null && Date.now() - started < busyFor * 1000
    const body = {
      worker_id: 'w',
      state: busy ? 'busy' : 'idle',
      url: 'http://w',
      draining: w.draining,
      job_id: busy ? job : null,
      since: busy ? 1796410142.9993925 : null,
      registered,
      done: [],
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((ok) => w.server.listen(0, '127.0.0.1', ok))
  w.addr = `127.0.0.1:${(w.server.address() as AddressInfo).port}`
  return w
}

/**
 * docker as a host has it for the project: `config --hash` says `want` (or fails when it is undefined), the
 * containers carry `have`, every replica runs and is healthy.
 */
const dockerHost = (services: string[], want: Record<string, string> | undefined, have: Record<string, string>) =>
  `
case " $* " in
  *" config --hash "*) ${
    want
      ? `printf ${JSON.stringify(
          Object.entries(want)
            .map(([s, h]) => `${s} ${h}\n`)
            .join(''),
        )}`
      : 'exit 1'
  } ;;
  *"com.docker.compose.config-hash"*) printf ${JSON.stringify(
    Object.entries(have)
      .map(([s, h]) => `${s} ${h}\n`)
      .join(''),
  )} ;;
  *" status=running "*) echo c0ffee ;;
  *"{{.State}}"*) printf ${JSON.stringify(services.map((s) => `${s}\tn-${s}\trunning\tUp 2s (healthy)\n`).join(''))} ;;
esac`

async function roll(opts: {
  workers: FakeWorker[]
  addrs?: string[]
  want?: Record<string, string>
  have: Record<string, string>
  drainTimeout: number
  maxUnavailable?: number
  force?: boolean
  /** TERM the shell once its output has this (as the watcher does when the workstation goes away). */
  termOn?: string
}) {
  const dir = tempDir('ktrdr-mid-roll-')
  const services = opts.workers.map((_, i) => `worker-${i + 1}`)
  writeFileSync(join(dir, 'docker-compose.workers.yml'), '# ktrdr-tag: sha-new0001\nservices: {}\n')
  // As ship left it: the running release's file beside the new one.
  writeFileSync(join(dir, 'docker-compose.workers.yml.prev'), '# ktrdr-tag: sha-0ld0001\nservices: {}\n')
  const s = stubs({ docker: dockerHost(services, opts.want, opts.have) })
  const body = [
    ...bind({
      compose_path: join(dir, 'docker-compose.workers.yml'),
      compose_dir: dir,
      project: 'ktrdr-workers-b',
      tag: 'sha-new0001',
      action: 'deploy',
      operator: 'e2e@test',
      health_timeout: 2,
      services,
      records_keep: 3,
      record_text: '{}',
      record_sum: 'sum',
      same_sum: 'same',
      env_text: '',
      images_text: '',
      pin_text: '',
      rolling: 1,
      drain_timeout: opts.drainTimeout,
      max_unavailable: opts.maxUnavailable ?? 1,
      force: opts.force ? 1 : 0,
      replica_addrs: opts.addrs ?? opts.workers.map((w) => w.addr),
    }),
    'on_exit put_back',
    'deploy_phase=shipped',
    'roll',
  ]
  const script = framed(renderScript({ lib: WORKERS_LIB, body }))
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const p = spawn('bash', ['-s'], { env: { ...process.env, PATH: s.path, HOME: dir } })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => {
      stdout += d
      if (opts.termOn && stdout.includes(opts.termOn)) {
        opts.termOn = undefined
        p.kill('SIGTERM')
      }
    })
    p.stderr.on('data', (d) => (stderr += d))
    p.on('close', (code) => done({ code, stdout, stderr }))
    p.stdin.end(script)
  })
  for (const w of opts.workers) w.server.close()
  const ev = events(r.stdout)
  const of = (name: string) => ev.filter((e) => e.event === name).map((e) => e.detail)
  const ups = s.calls().filter((c) => c.includes(' up -d --no-deps '))
  const records = readdirSync(dir).includes('deploys')
    ? readdirSync(join(dir, 'deploys')).filter((f) => f.endsWith('.json'))
    : []
  const record = records.length ? JSON.parse(readFileSync(join(dir, 'deploys', records.at(-1)!), 'utf8')) : undefined
  const audit = readdirSync(dir).includes('deploy-audit.log')
    ? readFileSync(join(dir, 'deploy-audit.log'), 'utf8').trim().split('\n')
    : []
  return { ...r, of, ups, record, audit, all: `${r.stdout}\n${r.stderr}\n${s.calls().join('\n')}` }
}

test('only the changed replica is drained: its job finishes, then it is replaced, then registered', async () => {
  const w1 = await worker('j1', 2)
  const w2 = await worker('j2', 60)
  const r = await roll({
    workers: [w1, w2],
    want: { 'worker-1': 'new1', 'worker-2': 'same2' },
    have: { 'worker-1': 'old1', 'worker-2': 'same2' },
    drainTimeout: 30,
  })
  assert.is(r.code, 0, r.all)
  assert.equal(r.of('replica'), [
    'worker-1 draining: job j1 running since 18:49:02Z',
    'worker-1 idle (its job j1 finished)',
    'worker-1 replaced',
    'worker-1 registered',
  ])
  assert.equal(r.ups, [`docker compose -f ${r.ups[0]!.split(' ')[3]} up -d --no-deps worker-1`])
  assert.equal(w1.requests.slice(0, 3), ['GET /status', 'POST /drain', 'GET /status'])
  assert.not.ok(
    w2.requests.some((q) => q.startsWith('POST')),
    `worker-2 (unchanged) was asked: ${w2.requests.join(', ')}`,
  )
})

test('a replica the backend never had (no backend) is not waited for to register', async () => {
  const w1 = await worker(null, 0, false)
  const r = await roll({ workers: [w1], want: { 'worker-1': 'n' }, have: { 'worker-1': 'o' }, drainTimeout: 30 })
  assert.is(r.code, 0, r.all)
  assert.equal(r.of('replica'), ['worker-1 idle', 'worker-1 replaced'])
  // Waited for, it would never register: the warning after health_timeout (2 s) would say so.
  assert.equal(r.of('warn'), [])
})

test('nothing changed: none drained, none recreated', async () => {
  const w1 = await worker('j1', 60)
  const r = await roll({ workers: [w1], want: { 'worker-1': 'h' }, have: { 'worker-1': 'h' }, drainTimeout: 30 })
  assert.is(r.code, 0, r.all)
  assert.equal(r.of('replica'), ['no replica changes: none drained or recreated'])
  assert.equal(r.ups, [])
  assert.equal(w1.requests, [])
})

test('busy at the deadline: left on its release, told to resume, the job named, partial record, exit 74', async () => {
  const w1 = await worker('j1', 60)
  const w2 = await worker(null, 0)
  const r = await roll({
    workers: [w1, w2],
    want: { 'worker-1': 'n1', 'worker-2': 'n2' },
    have: { 'worker-1': 'o1', 'worker-2': 'o2' },
    drainTimeout: 1,
  })
  assert.is(r.code, 74, r.all)
  assert.equal(r.of('drain-timeout'), ['worker-1 is still running job j1 after 1s: left on its release'])
  assert.equal(r.ups, [], 'nothing replaced')
  assert.is(w1.requests.at(-1), 'POST /resume')
  assert.is(w1.draining, false)
  assert.equal(w2.requests, [], 'the replicas after it are not touched')
  assert.is(r.record?.state, 'partial')
  assert.is(r.record?.result, 'drain-timeout worker-1 job=j1')
})

test('the deadline in the second batch: the first stays replaced; the audit line names every service', async () => {
  const w1 = await worker(null, 0)
  const w2 = await worker('j2', 60)
  const r = await roll({
    workers: [w1, w2],
    want: { 'worker-1': 'n1', 'worker-2': 'n2' },
    have: { 'worker-1': 'o1', 'worker-2': 'o2' },
    drainTimeout: 1,
  })
  assert.is(r.code, 74, r.all)
  assert.equal(r.ups.length, 1, 'worker-1 only')
  assert.match(r.ups[0]!, / up -d --no-deps worker-1$/)
  assert.equal(r.of('drain-timeout'), ['worker-2 is still running job j2 after 1s: left on its release'])
  assert.match(
    r.audit.at(-1)!,
    / services=worker-1,worker-2 action=deploy result=partial drain-timeout worker-2 job=j2$/,
  )
  assert.is(w2.requests.at(-1), 'POST /resume')
})

test('force: busy at the deadline and replaced anyway, its job named', async () => {
  const w1 = await worker('j1', 60)
  const r = await roll({
    workers: [w1],
    want: { 'worker-1': 'n1' },
    have: { 'worker-1': 'o1' },
    drainTimeout: 1,
    force: true,
  })
  assert.is(r.code, 0, r.all)
  assert.equal(r.of('forced'), ['worker-1 j1'])
  assert.is(r.ups.length, 1)
  assert.ok(r.of('replica').includes('worker-1 replaced'), r.all)
})

test('a replica that does not answer is replaced without a drain; no hashes: every replica, two at once', async () => {
  const w1 = await worker(null, 0)
  const w2 = await worker('j2', 1)
  const closed = await worker(null, 0)
  const dead = closed.addr
  closed.server.close()
  const r = await roll({
    workers: [w1, w2],
    addrs: [dead, w2.addr],
    have: { 'worker-1': 'x', 'worker-2': 'y' },
    drainTimeout: 30,
    maxUnavailable: 2,
  })
  assert.is(r.code, 0, r.all)
  assert.ok(
    r.of('replica').includes(`worker-1 does not answer on ${dead}: replaced without a drain`),
    r.of('replica').join('\n'),
  )
  assert.ok(r.of('replica').includes('worker-2 idle (its job j2 finished)'), r.of('replica').join('\n'))
  assert.is(r.ups.length, 1, r.ups.join('\n'))
  assert.match(r.ups[0]!, / up -d --no-deps worker-1 worker-2$/)
})

test('interrupted while rolling: the replaced and healthy replica kept, the drained one resumed, partial', async () => {
  const w1 = await worker(null, 0)
  const w2 = await worker('j2', 60)
  const r = await roll({
    workers: [w1, w2],
    want: { 'worker-1': 'n1', 'worker-2': 'n2' },
    have: { 'worker-1': 'o1', 'worker-2': 'o2' },
    drainTimeout: 30,
    termOn: 'worker-2 draining',
  })
  assert.is(r.code, 130, r.all)
  assert.equal(r.of('put-back'), [
    'interrupted while rolling: kept worker-1 on sha-new0001; the others run their release as they were',
  ])
  assert.is(w2.requests.at(-1), 'POST /resume')
  assert.is(r.ups.length, 1, 'worker-1 only')
  assert.is(r.record?.state, 'partial')
  assert.is(r.record?.result, 'interrupted replaced=worker-1')
})

test('interrupted before any replica was healthy: the previous release back, the drained one resumed', async () => {
  const w1 = await worker('j1', 60)
  const r = await roll({
    workers: [w1],
    want: { 'worker-1': 'n1' },
    have: { 'worker-1': 'o1' },
    drainTimeout: 30,
    termOn: 'worker-1 draining',
  })
  assert.is(r.code, 130, r.all)
  assert.is(w1.requests.at(-1), 'POST /resume')
  assert.equal(r.of('put-back'), ['interrupted: back on sha-0ld0001, running and healthy'])
  assert.equal(r.ups, [], 'worker-1 was never replaced')
  assert.is(r.record?.result, 'interrupted rolled-back-to=sha-0ld0001')
})

test.run()
