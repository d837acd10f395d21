// make rollback NODE=core SERVICE=backend on the lab: the core deployed at A, its backend alone at B, then rolled
// back — the backend is A's digest again, healthy, audited as a rollback, and nothing else of the core was
// touched (the db and the other services keep their containers). SERVICE= naming no service of the core is
// refused with nothing changed.
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  backendHealthy,
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  hostPath,
  labSecrets,
  pushVariant,
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'

const CORE = HOSTS.core
const TAG_B = 'sha-e2e0c02'
const { run, output } = recordingMake()
const ok = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, r.stdout + r.stderr)
/** service → "<container id> <image>", for every container of the core's project. */
const core = () => {
  const ids = hostDocker(CORE, 'ps', '-aq', '--filter', 'label=com.docker.compose.project=ktrdr-core').stdout
  const f = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Config.Image}}'
  const lines = hostDocker(CORE, 'inspect', '-f', f, ...ids.split('\n').filter(Boolean))
    .stdout.trim()
    .split('\n')
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]))
}
const lastAudit = () =>
  readFileSync(hostPath(CORE, '/opt/ktrdr-core/deploy-audit.log'), 'utf8').trim().split('\n').at(-1)!

test.before(() => {
  ensureAppImages()
  pushVariant('ktrdr-backend', TAG_B)
})

test('core at A, its backend at B, make rollback NODE=core SERVICE=backend: the backend alone back at A', async () => {
  ok(run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }))
  const a = core()
  assert.match(a.backend!, /@sha256:[0-9a-f]{64}$/)
  ok(run('deploy-core', { SERVICE: 'backend', TAG: TAG_B }))
  const b = core()
  assert.is.not(b.backend, a.backend, 'B is another image')
  await backendHealthy()
  const r = run('rollback', { NODE: 'core', SERVICE: 'backend' })
  ok(r)
  const back = core()
  assert.is(back.backend!.split(' ')[1], a.backend!.split(' ')[1], "the backend runs A's digest")
  for (const [svc, c] of Object.entries(b))
    if (svc !== 'backend') assert.is(back[svc], c, `${svc} untouched (same container, same image)`)
  assert.match(lastAudit(), ` tag=${GOOD_TAG} services=backend action=rollback result=ok`)
  await backendHealthy()
})

test('SERVICE= naming no service of the core: refused, nothing changed', () => {
  const before = core()
  const r = run('rollback', { NODE: 'core', SERVICE: 'nosuch' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, 'nosuch')
  assert.equal(core(), before)
})

const CRASH_B = 'sha-c7a5c02'
test('a core release whose backend crash-loops, rolled back: what compose keeps (the db) stays as it is', async () => {
  pushVariant('ktrdr-backend', CRASH_B, CRASH_B, ['ENTRYPOINT ["sh", "-c", "exit 3"]'])
  ok(run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }))
  const policy = '{{.HostConfig.RestartPolicy.Name}} {{.State.Status}}'
  const db = () => hostDocker(CORE, 'inspect', '-f', policy, core().db!.split(' ')[0]!).stdout.trim()
  const before = { core: core(), db: db() }
  assert.match(before.db, / running$/)
  const r = run('deploy-core', { SERVICE: 'all', TAG: CRASH_B, HEALTH_TIMEOUT: '60' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, /core: unhealthy after deploy \(.*crash-looping.*\): rolled back to sha-e2e0001/)
  const after = core()
  assert.is(after.db, before.core.db, 'the db keeps its container')
  assert.is(db(), before.db, 'and its restart policy, running')
  assert.is(after.backend!.split(' ')[1], before.core.backend!.split(' ')[1], "the backend is back on A's digest")
  await backendHealthy()
})

test('no secret value in any output', () => {
  assert.equal(leaksIn(output.join('\n'), labSecrets()), [])
})

test.run()
