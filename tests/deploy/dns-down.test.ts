// The homelab's names come from its BIND. With `named` stopped (the lab's real one): what still works (running
// containers, the backend and db by address, the workers' own health) and what fails, and how: a deploy by
// name names the host's configured address to use instead; a deploy by that address then stops at the
// registry's name; the backend's polls of the workers, by name, fail. Everything comes back with named.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import {
  containers,
  ensureAppImages,
  getJson,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  LAB_CONFIG,
  LAB_DIR,
  recordingMake,
  until,
} from '../helpers/lab.ts'
import { run as exec } from '../helpers/run.ts'

type Worker = { url: string; status: string }
const BY_ADDRESS = 'http://198.18.50.10:8000'
const workers = () => getJson<Worker[]>(`${BY_ADDRESS}/workers`)
const named = () => join(LAB_DIR, 'dns/named.pid')
const { run } = recordingMake()
const alive = (pid: string) => exec('kill', ['-0', pid]).code === 0

test.before(() => {
  ensureAppImages()
  for (const r of [
    run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }),
    run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }),
  ])
    assert.is(r.code, 0, r.stdout + r.stderr)
})

test.after(() => {
  const up = exec('bash', ['lab/lab.sh', 'up'])
  assert.is(up.code, 0, `named is back: ${up.stderr}`)
})

test('named stopped: by name, a deploy names the address to use; by address it stops at the registry', async () => {
  const pid = readFileSync(named(), 'utf8').trim()
  const before = containers(HOSTS.c, 'ktrdr-workers-c')
  exec('kill', [pid])
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
  assert.not.ok(alive(pid), 'named stopped')

  const byName = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG })
  assert.is.not(byName.code, 0)
  assert.match(byName.stdout, /node C: cannot resolve ktrdr-workers-c\.internal \(DNS\)/)
  assert.match(byName.stdout, 'its configured address is 198.18.50.12')
  assert.match(byName.stdout, 'ssh: root@198.18.50.12 for this host in the config')

  const cfg = configCopy(
    [
      {
        file: 'stack-config.yml',
        from: '{ address: 198.18.50.12 }',
        to: '{ address: 198.18.50.12, ssh: root@198.18.50.12 }',
      },
    ],
    LAB_CONFIG,
  )
  const byAddress = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG, CONFIG: cfg })
  assert.is.not(byAddress.code, 0)
  assert.match(byAddress.stdout, 'cannot reach the registry registry.internal: its name does not resolve (DNS)')
  assert.equal(containers(HOSTS.c, 'ktrdr-workers-c'), before, 'nothing was touched')

  // What still works: the running stack, reached by address; what fails: every lookup by name inside it.
  const health = await getJson<{ db: string }>(`${BY_ADDRESS}/health`)
  assert.is(health.db, 'ok')
  for (const id of before)
    assert.is(hostDocker(HOSTS.c, 'inspect', '-f', '{{.State.Health.Status}}', id).stdout.trim(), 'healthy')
  const lookup = hostDocker(
    HOSTS.core,
    ...[
      'exec',
      'ktrdr-core-backend-1',
      'python3',
      '-c',
      'import socket; socket.gethostbyname("ktrdr-workers-c.internal")',
    ],
  )
  assert.is.not(lookup.code, 0)
  assert.match(lookup.stderr, /gaierror|Name or service not known|Temporary failure/)
  const polled = await until(
    workers,
    (ws) => ws.filter((w) => w.url.includes('workers-c')).every((w) => w.status !== 'ok'),
    30,
  )
  assert.ok(
    polled.filter((w) => w.url.includes('workers-c')).every((w) => w.status !== 'ok'),
    `the backend's polls of C by name fail: ${JSON.stringify(polled)}`,
  )

  // named back: the polls by name succeed again, with nothing redeployed.
  assert.is(exec('bash', ['lab/lab.sh', 'up']).code, 0)
  const back = await until(
    workers,
    (ws) => ws.filter((w) => w.url.includes('workers-c')).every((w) => w.status === 'ok'),
    30,
  )
  assert.ok(
    back.filter((w) => w.url.includes('workers-c')).every((w) => w.status === 'ok'),
    JSON.stringify(back),
  )
})

test.run()
