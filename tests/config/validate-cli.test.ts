// `make validate` through its real entry point: the shipped config passes; broken copies fail on stderr.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import { make, run } from '../helpers/run.ts'

test('shipped homelab config: exit 0 and a summary of nodes, ports, services and variables', () => {
  const r = make('validate')
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /B\s+ktrdr-workers-b\s+3 replicas ports 9000–9002/)
  assert.match(r.stdout, /C\s+ktrdr-workers-c\s+2 replicas ports 9000–9001/)
  assert.match(
    r.stdout,
    'replica 2: BACKEND_BASE_URL=http://ktrdr-core.internal:8000 ' +
      'WORKER_PUBLIC_BASE_URL=http://ktrdr-workers-c.internal:9001',
  )
  assert.match(r.stdout, 'JWT_SECRET=<op://ktrdr-homelab/backend/jwt_secret>')
  assert.match(r.stdout, /db\s+timescale\/timescaledb:2\.19\.3-pg17/)
})

test('broken copy: non-zero exit, file:line:col path: message on stderr, nothing on stdout', () => {
  const dir = configCopy([{ file: 'worker-nodes.yml', from: '    host: ktrdr-workers-c\n', to: '' }])
  const r = make('validate', { CONFIG: dir })
  assert.is(r.code, 2)
  assert.match(r.stderr, `${dir}/worker-nodes.yml:10:5 worker_nodes[1].host: required`)
  assert.is.not(r.stdout.includes('worker nodes:'), true)
})

test('KTRDR_CONFIG_DIR picks the config set when --config is absent', () => {
  const dir = configCopy([{ file: 'stack-config.yml', from: 'zone: internal', to: 'zone: lab.example' }])
  const r = run('node', ['dist/validate.mjs'], { env: { KTRDR_CONFIG_DIR: dir } })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'http://ktrdr-core.lab.example:8000')
})

test('unknown node: lists the known ones and the file to edit', () => {
  const r = make('validate', { NODE: 'D' })
  assert.is(r.code, 2)
  assert.match(r.stderr, 'unknown worker node "D": known nodes are B, C')
  assert.match(r.stderr, 'add an entry for D to infra/homelab/worker-nodes.yml')
})

test('bad flag: usage error naming --help', () => {
  const r = run('node', ['dist/validate.mjs', '--nope'])
  assert.is(r.code, 64)
  assert.match(r.stderr, 'validate --help')
})

test.run()
