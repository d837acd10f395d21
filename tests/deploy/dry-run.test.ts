// --dry-run through make, on the shipped homelab config: per host the ssh command and the exact script
// (preflight, then the deploy), variable names with masked values — and it touches nothing: no `op` on the
// PATH (a secret read would fail) and hosts this machine cannot reach (an SSH attempt would fail).
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
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

const dryRunAll =
  'make deploy-workers NODE=all DRY_RUN=1: every node, its ssh command, the preflight then the deploy, names only'
test(dryRunAll, () => {
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
      '# the functions of lib/job/mount.sh, lib/deploy/preflight.sh, then:',
      'shared=/mnt/ktrdr-shared',
      `images=(ghcr.io/ktrdr/ktrdr-worker:sha-a1b2c3d)`,
      '    preflight\n',
      '# the functions of lib/job/lock.sh, lib/deploy/secret-env.sh, lib/deploy/rolling.sh, lib/deploy/deploy.sh, ' +
        'then:',
      'env: REGISTRY_USERNAME=••• BROKER_API_KEY=••• REGISTRY_PASSWORD=•••',
      `compose_path=/opt/${host}/docker-compose.workers.yml`,
      'current=0',
      'pull_services=(worker-1 worker-2',
      `WORKER_PUBLIC_BASE_URL=http://${host}.internal:9000`,
      'rolling=1',
      'drain_timeout=600',
      'force=0',
      `ktrdr_lock node-${node!.toLowerCase()} x $'deploy-workers by`,
      '    deploy\n',
    ]
    let at = 0
    for (const s of order) {
      const i = plan.indexOf(s, at)
      assert.ok(i >= 0, `node ${node}: "${s}" missing or out of order`)
      at = i
    }
  }
})

test("a node's drain_timeout, max_unavailable and stop_grace_period; DRAIN_TIMEOUT= and FORCE=1 over them", () => {
  const dir = configCopy([
    {
      file: 'worker-nodes.yml',
      from: '    replicas: 3\n',
      to: '    replicas: 3\n    drain_timeout: 30m\n    max_unavailable: 2\n    stop_grace_period: 90s\n',
    },
  ])
  const r = make('deploy-workers', { CONFIG: dir, NODE: 'B', TAG: 'sha-a1b2c3d', DRY_RUN: '1' }, { env })
  assert.is(r.code, 0, r.stdout + r.stderr)
  for (const line of ['rolling=1', 'drain_timeout=1800', 'max_unavailable=2', 'force=0'])
    assert.match(r.stdout, `\n    ${line}\n`)
  assert.match(r.stdout, 'replica_addrs=(192.168.50.11:9000 192.168.50.11:9001 192.168.50.11:9002)')
  assert.is(r.stdout.split('stop_grace_period: 90s\n').length - 1, 3, 'one per replica')
  const o = make(
    'deploy-workers',
    { CONFIG: dir, NODE: 'B', TAG: 'sha-a1b2c3d', DRY_RUN: '1', DRAIN_TIMEOUT: '90s', FORCE: '1' },
    { env },
  )
  assert.is(o.code, 0, o.stdout + o.stderr)
  assert.match(o.stdout, '\n    drain_timeout=90\n')
  assert.match(o.stdout, '\n    force=1\n')
  const core = make('deploy-core', { CONFIG: dir, SERVICE: 'all', TAG: 'sha-a1b2c3d', DRY_RUN: '1' }, { env })
  assert.not.match(core.stdout, 'rolling')
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
  assert.match(r.stdout, 'services=(backend)')
  assert.match(r.stdout, "ktrdr_lock core x $'deploy-core by")
  // The shipped files read as they will be written (here-documents), not as one escaped line.
  assert.match(
    r.stdout,
    /\n {4}\{ IFS= read -r -d '' compose_text \|\| true; \} <<'KTRDR_[0-9A-F]{12}'\n {4}# Rendered by ktrdr-ops/,
  )
})

test.run()
