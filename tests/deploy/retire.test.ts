// Retiring a node, on the lab through the make targets: node D (a lab host, in stack-config's hosts) deployed;
// its entry dropped from worker-nodes.yml with its stack still running → make status reports it; make
// retire-node NODE=D (guarded) removes stack, records and lock, audited; then the entry can go, status is clean.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, type Edit } from '../helpers/config-copy.ts'
import { ensureAppImages, GOOD_TAG, hostDocker, hostPath, LAB_CONFIG, recordingMake } from '../helpers/lab.ts'

const D = 'ktrdr-workers-d'
const dir = `/opt/${D}`
const { run } = recordingMake()
const ok = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, r.stdout + r.stderr)
const withHost: Edit = {
  file: 'stack-config.yml',
  from: /(\n {2}ktrdr-workers-c: [^\n]*)/,
  to: `$1\n  ${D}: { address: 198.18.50.13 }`,
}
const entry = `  - name: D\n    host: ${D}\n    compose_path: ${dir}/docker-compose.workers.yml\n`
const withD = configCopy([withHost, { file: 'worker-nodes.yml', from: /$/, to: entry }], LAB_CONFIG)
const withoutD = configCopy([withHost], LAB_CONFIG)
const projectContainers = () =>
  hostDocker(D, 'ps', '-aq', '--filter', `label=com.docker.compose.project=${D}`).stdout.trim()

test.before(() => {
  ensureAppImages()
  const add = spawnSync('bash', ['lab/lab.sh', 'add-host', D, '198.18.50.13'], { encoding: 'utf8' })
  assert.is(add.status, 0, add.stderr)
})
test.after(() => {
  spawnSync('bash', ['lab/lab.sh', 'rm-host', D], { stdio: 'ignore' })
})

test('a node dropped from the config with its stack running: make status reports it', () => {
  ok(run('deploy-workers', { NODE: 'D', TAG: GOOD_TAG, CONFIG: withD }))
  const s = run('status', { CONFIG: withoutD })
  assert.is.not(s.code, 0, s.stdout)
  assert.match(s.stdout, `${D}: DRIFT not-in-config: compose project ${D} (${dir}/docker-compose.workers.yml)`)
  const j = run('status', { CONFIG: withoutD, JSON: '1' })
  const stray = (JSON.parse(j.stdout) as { stacks: { label: string; drift: { class: string }[] }[] }).stacks.find(
    (x) => x.label === D,
  )
  assert.equal(
    stray?.drift.map((d) => d.class),
    ['not-in-config'],
  )
})

test('retire-node is guarded: without YES=1 and no terminal it refuses, nothing changed', () => {
  const r = run('retire-node', { NODE: 'D', CONFIG: withD })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, 'no terminal to ask on')
  assert.ok(projectContainers(), 'the stack still runs')
  const all = run('retire-node', { NODE: 'all', CONFIG: withD, YES: '1' })
  assert.is.not(all.code, 0)
  assert.match(all.stdout + all.stderr, 'retiring is one node at a time')
})

test('retire-node NODE=D YES=1: stack, records and lock gone, audited; the entry can go, status is clean', () => {
  const r = run('retire-node', { NODE: 'D', CONFIG: withD, YES: '1' })
  ok(r)
  assert.match(r.stdout, `node D: retired on ${D}: stack, records and lock removed`)
  assert.is(projectContainers(), '')
  assert.not.ok(existsSync(hostPath(D, `${dir}/docker-compose.workers.yml`)))
  assert.not.ok(existsSync(hostPath(D, `${dir}/deploys`)))
  assert.not.ok(existsSync(hostPath(D, '/run/lock/ktrdr/node-d.lock')))
  assert.match(readFileSync(hostPath(D, `${dir}/deploy-audit.log`), 'utf8'), / operator=\S+ action=retire result=ok\n$/)
  const s = run('status', { CONFIG: withoutD })
  assert.not.match(s.stdout, 'not-in-config')
})

test.run()
