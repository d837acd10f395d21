// --dry-run through make, on the shipped homelab config: per host the ssh command and the exact script
// (preflight, then the deploy), variable names with masked values — and it touches nothing: no `op` on the
// PATH (a secret read would fail) and hosts this machine cannot reach (an SSH attempt would fail).
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { make } from '../helpers/run.ts'
import { STANDIN_BIN } from '../helpers/standins.ts'

const PATH = (process.env.PATH ?? '')
  .split(':')
  .filter((d) => d && d !== STANDIN_BIN)
  .join(':')
const env = { PATH }

test('guard: no op on the PATH the dry runs get', () => {
  assert.is.not(spawnSync('bash', ['-c', 'command -v op'], { env: { PATH } }).status, 0)
})

test('make deploy-workers NODE=all DRY_RUN=1: every node, its ssh command, the preflight then the deploy, names only', () => {
  const r = make('deploy-workers', { CONFIG: 'infra/homelab', NODE: 'all', TAG: 'sha-a1b2c3d', DRY_RUN: '1' }, { env })
  assert.is(r.code, 0, r.stdout + r.stderr)
  for (const [node, host] of [
    ['B', 'ktrdr-workers-b'],
    ['C', 'ktrdr-workers-c'],
  ]) {
    const from = r.stdout.indexOf(`[dry run] node ${node} on ${host}: would run \`ssh `)
    assert.ok(from >= 0, `no plan for node ${node}:\n${r.stdout}`)
    const plan = r.stdout.slice(from, r.stdout.indexOf('[dry run]', from + 1) >>> 0)
    const order = [
      'docker image inspect',
      `ghcr.io/ktrdr/ktrdr-worker:sha-a1b2c3d`,
      '::ktrdr preflight ok',
      'env: REGISTRY_USERNAME=••• BROKER_API_KEY=••• REGISTRY_PASSWORD=•••',
      'step lock',
      'docker login --username "$REGISTRY_USERNAME" --password-stdin',
      `/opt/${host}/docker-compose.workers.yml pull --quiet`,
      'up -d --remove-orphans',
      'audit ok',
    ]
    let at = 0
    for (const s of order) {
      const i = plan.indexOf(s, at)
      assert.ok(i >= 0, `node ${node}: "${s}" missing or out of order`)
      at = i
    }
  }
})

test('make deploy-core SERVICE=backend DRY_RUN=1: the core host, the rendered file, secrets by name', () => {
  const r = make(
    'deploy-core',
    { CONFIG: 'infra/homelab', SERVICE: 'backend', TAG: 'sha-a1b2c3d', DRY_RUN: '1' },
    { env },
  )
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, '[dry run] core on ktrdr-core: would run `ssh ')
  assert.match(r.stdout, /env: REGISTRY_USERNAME=•••( \w+=•••)+/)
  assert.match(r.stdout, 'image: ghcr.io/ktrdr/ktrdr-backend:sha-a1b2c3d')
  assert.match(r.stdout, 'up -d --remove-orphans backend')
})

test.run()
