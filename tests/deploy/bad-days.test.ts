// Bad days in the lab, through the real entry point: Ctrl-C during `docker compose up` and during the health
// wait leaves the node on its previous release, running and healthy, audited, unlocked; a crash-looping
// container fails the deploy at once (not after the whole health timeout), with its last log lines, redacted.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import {
  CRASH_TAG,
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  hostPath,
  LAB_CONFIG,
  labEnv,
  labSecrets,
  onHost,
  recordingMake,
  SLOW_TAG,
  lockHeld,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'

const { run, output } = recordingMake()
const B = HOSTS.b
const project = 'ktrdr-workers-b'
const composeFile = `/opt/${project}/docker-compose.workers.yml`
const audit = () =>
  readFileSync(hostPath(B, `/opt/${project}/deploy-audit.log`), 'utf8')
    .trim()
    .split('\n')
const held = () => lockHeld(B, 'node-b')
/** image and status of each of B's worker containers */
const workers = () =>
  hostDocker(
    B,
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Label "ktrdr.tag"}} {{.Status}}',
  )
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .sort()

test.before(() => {
  ensureAppImages()
  assert.is(run('deploy-workers', { NODE: 'B', TAG: GOOD_TAG }).code, 0, output.join('\n'))
})

/** Start a deploy of B at `tag`, wait until `ready()` says so, Ctrl-C it; its exit code and output. */
async function interrupt(tag: string, ready: (out: string) => boolean) {
  const child = spawn(
    'node',
    ['dist/deploy-workers.mjs', `--config=${LAB_CONFIG}`, '--node=B', `--tag=${tag}`, '--health-timeout=90'],
    { cwd: REPO, env: { ...process.env, ...labEnv() } },
  )
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((r) => child.once('exit', r))
  let ended = false
  void exited.then(() => (ended = true))
  for (let i = 0; i < 3000 && !ended && !ready(out); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(!ended, `the deploy ended before the moment to interrupt it:\n${out}`)
  child.kill('SIGINT')
  const code = await exited
  output.push(out)
  return { code, out }
}

function backOnGood(r: { code: number | null; out: string }) {
  assert.is(r.code, 130, r.out)
  assert.match(r.out, `node B: interrupted: back on ${GOOD_TAG}, running and healthy`, r.out)
  assert.match(readFileSync(hostPath(B, composeFile), 'utf8'), `# ktrdr-tag: ${GOOD_TAG}`)
  const w = workers()
  assert.is(w.length, 3, w.join('\n'))
  for (const line of w) assert.match(line, new RegExp(`^${GOOD_TAG} Up .*\\(healthy\\)$`))
  assert.match(
    audit().at(-1)!,
    ` tag=${SLOW_TAG} services=worker-1,worker-2,worker-3 action=deploy result=interrupted rolled-back-to=${GOOD_TAG}`,
  )
  assert.not.ok(held(), 'the lock was left behind')
}

test('Ctrl-C during docker compose up: B is back on the previous release, running, healthy, audited', async () => {
  const upRuns = () => onHost(B, ['pgrep', '-f', `docker compose -f ${composeFile} up`]).stdout.trim() !== ''
  backOnGood(await interrupt(SLOW_TAG, () => upRuns()))
})

test('Ctrl-C during the health wait: B is back on the previous release, running, healthy, audited', async () => {
  const waiting = () => workers().some((l) => l.startsWith(`${SLOW_TAG} `) && l.includes('health: starting'))
  backOnGood(await interrupt(SLOW_TAG, () => waiting()))
})

test('a crash loop fails at once, with its last log lines (secrets masked), and rolls back', () => {
  const started = Date.now()
  const r = run('deploy-workers', { NODE: 'B', TAG: CRASH_TAG, HEALTH_TIMEOUT: '90' })
  const seconds = (Date.now() - started) / 1000
  assert.is.not(r.code, 0)
  const out = r.stdout + r.stderr
  assert.match(out, /node B: unhealthy after deploy \(.*crash-looping \(exits with 3\).*\): rolled back to sha-e2e0001/)
  assert.match(out, 'last log lines:')
  assert.match(out, 'worker: cannot reach the broker with key ••••••')
  assert.equal(leaksIn(out, labSecrets()), [])
  // The health wait alone would have taken 90 s.
  assert.ok(seconds < 60, `took ${seconds} s`)
  for (const line of workers()) assert.match(line, `${GOOD_TAG} Up`)
})

test.run()
