// A no-change redeploy on the lab (node C, through make deploy-workers): a host that already runs exactly the
// deploy — same files, digests and containers, each holding the secret values it would be given — is left as it
// is (no ship, pull or `compose up`; audited; no new record), and each single difference makes the deploy run in
// full: a secret's value changed in the vault, a replica stopped, an extra container in the project, the compose
// file edited on the host, a replica recreated outside the toolkit.
// A value holding \x1e or \x1f (deploy.sh's separators) is never taken as unchanged: its deploy runs in full.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  hostPath,
  onHost,
  LAB_DIR,
  labSecrets,
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'
import { tempDir } from '../helpers/tmp.ts'

const C = HOSTS.c
const project = 'ktrdr-workers-c'
const dir = `/opt/${C}`
const composeFile = hostPath(C, `${dir}/docker-compose.workers.yml`)
const { run, output } = recordingMake()
const UNCHANGED = 'already running exactly this: nothing shipped, pulled or recreated'
const deploy = (env: Record<string, string> = {}) => {
  const r = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }, env)
  assert.is(r.code, 0, r.stdout + r.stderr)
  return r.stdout + r.stderr
}
/** service id created, per container of the project (oneoff or not), sorted. */
const containers = () => {
  const ids = hostDocker(C, 'ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`).stdout
  const f = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Created}} {{.State.Status}}'
  return hostDocker(C, 'inspect', '-f', f, ...ids.split('\n').filter(Boolean))
    .stdout.trim()
    .split('\n')
    .sort()
}
const records = () => readdirSync(hostPath(C, `${dir}/deploys`)).filter((f) => f.endsWith('.json')).length
const lastAudit = () =>
  readFileSync(hostPath(C, `${dir}/deploy-audit.log`), 'utf8')
    .trim()
    .split('\n')
    .at(-1)!
const brokerIn = (name: string) =>
  hostDocker(C, 'inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', name)
    .stdout.split('\n')
    .find((l) => l.startsWith('BROKER_API_KEY='))
    ?.slice('BROKER_API_KEY='.length)

type Vault = { vaults: Record<string, Record<string, Record<string, string>>> }
const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')) as Vault
const changedKey = `new'key "q" \\ $HOME \`x\` ü ${Math.random().toString(36).slice(2)}`
const changedVault = join(tempDir('ktrdr-unchanged-'), 'vault.json')
vault.vaults['ktrdr-lab']!.backend!.broker_api_key = changedKey
writeFileSync(changedVault, JSON.stringify(vault))

test.before(() => {
  ensureAppImages()
  deploy()
})

test('a redeploy of what runs: nothing shipped, pulled or recreated; audited ok; no new record', () => {
  const before = containers()
  const n = records()
  const out = deploy({ KTRDR_TIMELINE: '1' })
  assert.match(out, `node C   ok (tag ${GOOD_TAG}; worker-1, worker-2; ${UNCHANGED})`)
  // KTRDR_TIMELINE=1: where the run's time went, in order, ms from the process's start.
  const steps = [...out.matchAll(/^timeline +(\d+) ms {2}(.*)$/gm)].map((m) => [Number(m[1]), m[2]!] as const)
  const names = steps.map(([, s]) => s)
  for (const want of ['started (the bundle is loaded)', 'node C: ssh session spawned, preflight sent', 'secrets read'])
    assert.ok(names.includes(want), `${want} in ${names.join(' / ')}`)
  const order = [
    'node C: preflight answered',
    'node C: deploy part sent',
    'node C: step compare',
    'node C: session ended',
  ]
  assert.equal(
    names.filter((n) => order.includes(n)),
    order,
  )
  assert.equal(names.at(-1), 'ended')
  assert.ok(
    steps.every(([t], i) => i === 0 || t >= steps[i - 1]![0]),
    'times only grow',
  )
  assert.equal(containers(), before)
  assert.is(records(), n, 'the newest record still says what runs')
  assert.match(lastAudit(), ` tag=${GOOD_TAG} services=worker-1,worker-2 action=deploy result=ok`)
  assert.is(run('status', { NODE: 'C' }).code, 0, 'no drift')
})

test("a secret's value changed in the vault: the deploy runs in full and the replicas get it", () => {
  const before = containers()
  const out = deploy({ OP_STANDIN_VAULT: changedVault })
  assert.not.match(out, UNCHANGED)
  assert.not.equal(containers(), before)
  assert.is(brokerIn(`${project}-worker-1-1`), changedKey)
  assert.match(deploy({ OP_STANDIN_VAULT: changedVault }), UNCHANGED, 'then a no-change deploy on it')
  assert.not.match(deploy(), UNCHANGED, 'and back to the lab value in full')
  assert.is(brokerIn(`${project}-worker-2-1`), labBroker())
})

for (const [what, provoke] of [
  ['a replica stopped', () => hostDocker(C, 'stop', '-t', '1', `${project}-worker-2-1`)],
  [
    'an extra container in the project',
    () => {
      const image = hostDocker(C, 'inspect', '-f', '{{.Config.Image}}', `${project}-worker-1-1`).stdout.trim()
      return hostDocker(
        C,
        ...['run', '-d', '--name', 'intruder', '--label', `com.docker.compose.project=${project}`],
        ...['--label', 'com.docker.compose.service=intruder', '--label', 'com.docker.compose.oneoff=False'],
        ...['--entrypoint', 'sleep', image, '600'],
      )
    },
  ],
  [
    'the compose file edited on the host',
    () => {
      writeFileSync(composeFile, `${readFileSync(composeFile, 'utf8')}# edited on the host\n`)
      return { code: 0, stdout: '', stderr: '' }
    },
  ],
  [
    'a replica recreated outside the toolkit (compose on the host)',
    () =>
      onHost(C, [
        'docker',
        'compose',
        '-f',
        `${dir}/docker-compose.workers.yml`,
        'up',
        '-d',
        '--force-recreate',
        'worker-1',
      ]),
  ],
] as const)
  test(`${what}: the deploy runs in full and puts it right`, () => {
    try {
      const r = provoke()
      assert.is(r.code, 0, r.stderr)
      assert.not.match(deploy(), UNCHANGED)
      // An extra container compose left is in the new record, yet never taken for a service of the deploy.
      if (what.startsWith('an extra')) assert.not.match(deploy(), UNCHANGED, 'not while it is there')
    } finally {
      hostDocker(C, 'rm', '-f', 'intruder')
    }
    if (what.startsWith('an extra')) assert.not.match(deploy(), UNCHANGED, 'once it is gone: the record changes')
    assert.is(run('status', { NODE: 'C' }).code, 0, 'no drift after it')
    assert.match(deploy(), UNCHANGED, 'and the next deploy is a no-change one')
  })

test('no secret value in any output', () => {
  assert.equal(leaksIn(output.join('\n'), [...labSecrets(), changedKey]), [])
})

function labBroker(): string {
  const v = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')) as Vault
  return v.vaults['ktrdr-lab']!.backend!.broker_api_key!
}

test.run()
