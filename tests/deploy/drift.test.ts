// Drift you can see, on the lab through make status: node C against its newest deploy record. Each class
// provoked by hand as an operator might (the compose file edited, a replica removed, an extra container in the
// project, one recreated with another env), a lock held, a partial deploy; JSON=1 parses and fits its schema;
// SECRETS=1 against a vault whose value moved on.
import type { ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type StatusJson, statusJsonSchema } from '../../lib/status/drift.ts'
import {
  BAD_TAG,
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  holdLock,
  hostDocker,
  hostPath,
  LAB_DIR,
  labSecrets,
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'
import { tempDir } from '../helpers/tmp.ts'

const C = HOSTS.c
const project = 'ktrdr-workers-c'
const composeFile = hostPath(C, `/opt/${C}/docker-compose.workers.yml`)
const { run } = recordingMake()
const ok = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, r.stdout + r.stderr)
const status = () => {
  const r = run('status', { NODE: 'C', JSON: '1' })
  const json = statusJsonSchema.parse(JSON.parse(r.stdout)) as StatusJson
  return { code: r.code, stack: json.stacks[0]!, json }
}
const classes = (s: ReturnType<typeof status>) => [...new Set(s.stack.drift.map((d) => d.class))].sort()
const inspect = (format: string, name: string) => hostDocker(C, 'inspect', '-f', format, name).stdout.trim()

test.before(() => {
  ensureAppImages()
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
})

test('a fresh deploy: no drift, exit 0; the text and JSON=1 agree', () => {
  const text = run('status', { NODE: 'C' })
  assert.is(text.code, 0, text.stdout)
  assert.not.match(text.stdout, 'DRIFT')
  const s = status()
  assert.is(s.code, 0)
  assert.equal(s.stack.drift, [])
  assert.is(s.stack.state, 'ok')
  assert.is(s.stack.tag, GOOD_TAG)
  assert.ok(s.stack.record! >= 1)
})

test('each class named: compose file edited, a replica removed, an extra container, one recreated by hand', () => {
  const image = inspect('{{.Config.Image}}', `${project}-worker-1-1`)
  writeFileSync(composeFile, `${readFileSync(composeFile, 'utf8')}# edited on the host\n`)
  hostDocker(C, 'rm', '-f', `${project}-worker-2-1`)
  const labels = (svc: string) => [
    ...['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${svc}`],
    ...['--label', 'com.docker.compose.oneoff=False'],
  ]
  const extra = hostDocker(
    C,
    'run',
    '-d',
    '--name',
    'intruder',
    ...labels('intruder'),
    '--entrypoint',
    'sleep',
    image,
    '600',
  )
  assert.is(extra.code, 0, extra.stderr)
  hostDocker(C, 'rm', '-f', `${project}-worker-1-1`)
  const again = hostDocker(
    C,
    ...['run', '-d', '--name', `${project}-worker-1-1`, ...labels('worker-1'), '-e', 'LOG_LEVEL=debug'],
    ...['--entrypoint', 'sleep', image, '600'],
  )
  assert.is(again.code, 0, again.stderr)
  const text = run('status', { NODE: 'C' })
  assert.is.not(text.code, 0)
  assert.match(text.stdout, 'DRIFT compose-file: the compose file on the host is not record #')
  assert.match(text.stdout, 'DRIFT missing-service: worker-2: worker-2 has no container')
  assert.match(text.stdout, 'DRIFT extra-container: intruder:')
  assert.match(text.stdout, 'DRIFT recreated: worker-1: container ')
  assert.match(text.stdout, 'DRIFT env: worker-1: LOG_LEVEL differs from record #')
  assert.not.match(text.stdout, 'debug', 'env drift names the variable, never its value')
  const s = status()
  assert.is.not(s.code, 0)
  assert.is(s.stack.state, 'drift')
  assert.equal(classes(s), ['compose-file', 'env', 'extra-container', 'missing-service', 'recreated'])
  assert.ok(s.json.drift >= 5)
})

test('a redeploy puts it right: no drift', () => {
  hostDocker(C, 'rm', '-f', 'intruder', `${project}-worker-1-1`)
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
  assert.equal(status().stack.drift, [])
})

test('SECRETS=1: a secret the provider now holds another value of is named, never printed; without it unseen', () => {
  type Vault = { vaults: Record<string, Record<string, Record<string, string>>> }
  const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')) as Vault
  const fresh = `rotated'in "1Password" \\ $HOME ${Math.random().toString(36).slice(2)}`
  vault.vaults['ktrdr-lab']!.backend!.broker_api_key = fresh
  const path = join(tempDir('ktrdr-drift-vault-'), 'vault.json')
  writeFileSync(path, JSON.stringify(vault))
  const same = run('status', { NODE: 'C', SECRETS: '1' })
  assert.is(same.code, 0, same.stdout + same.stderr)
  assert.not.match(same.stdout, 'DRIFT')
  const env = { OP_STANDIN_VAULT: path }
  assert.is(run('status', { NODE: 'C' }, env).code, 0, 'no secrets read without SECRETS=1')
  const text = run('status', { NODE: 'C', SECRETS: '1' }, env)
  assert.is.not(text.code, 0)
  assert.match(text.stdout, "DRIFT secret: worker-1: BROKER_API_KEY is not the secrets provider's value")
  assert.match(text.stdout, "DRIFT secret: worker-2: BROKER_API_KEY is not the secrets provider's value")
  const json = run('status', { NODE: 'C', SECRETS: '1', JSON: '1' }, env)
  const s = statusJsonSchema.parse(JSON.parse(json.stdout)) as StatusJson
  assert.equal([...new Set(s.stacks[0]!.drift.map((d) => d.class))], ['secret'])
  assert.equal(leaksIn([same, text, json].map((r) => r.stdout + r.stderr).join('\n'), [fresh, ...labSecrets()]), [])
})

test('a lock held on the stack, a deploy that was rolled back (partial): both drift', async () => {
  let child: ChildProcess | undefined
  try {
    child = (await holdLock(C, 'node-c', '"deploy-workers by e2e@test pid $$ since 2026-12-02T10:00:00Z tag x"')).child
    const s = status()
    assert.equal(classes(s), ['lock-held'])
    assert.match(s.stack.drift[0]!.detail, 'node-c: deploy-workers by e2e@test')
  } finally {
    child?.kill('SIGTERM')
  }
  await new Promise((r) => setTimeout(r, 500))
  assert.is.not(run('deploy-workers', { NODE: 'C', TAG: BAD_TAG, HEALTH_TIMEOUT: '30' }).code, 0)
  const s = status()
  assert.equal(classes(s), ['audit', 'partial'])
  assert.match(s.stack.drift.find((d) => d.class === 'partial')!.detail, `(rolled-back-to=${GOOD_TAG})`)
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
  assert.equal(status().stack.drift, [])
})

test.run()
