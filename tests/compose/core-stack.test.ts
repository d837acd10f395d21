// The homelab's core stack as rendered (lib/compose/core.ts) for infra/homelab: grafana, jaeger and the NFS
// server cannot run here (not in Debian; no NFS client in this kernel), so they are checked as rendered text
// and by `docker compose config` (compose's own validation and model), never started.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { composeModel } from '../helpers/compose-model.ts'
import { run } from '../helpers/run.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { nfsClients, renderCoreCompose } from '../../lib/compose/core.ts'
import type { OpsError } from '../../lib/errors.ts'

const HOMELAB = join(REPO, 'infra/homelab')
const cfg = loadConfig(HOMELAB)
const { compose } = renderCoreCompose(cfg, 'sha-a1b2c3d')

test('the NFS export: only the hosts subnet, root squashed', () => {
  assert.match(compose, 'NFS_EXPORT_0=/srv/ktrdr-shared 192.168.50.0/24(rw,sync,no_subtree_check,root_squash)')
  assert.not.match(compose, 'no_root_squash')
  assert.not.match(compose, '*(')
})

test('shared.nfs_clients left out: the one /24 of the hosts; hosts in two subnets are refused', () => {
  const copy = configCopy([{ file: 'stack-config.yml', from: /\n {2}nfs_clients: .*/, to: '' }])
  try {
    assert.is(nfsClients(loadConfig(copy)), '192.168.50.0/24')
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
  const split = configCopy([
    { file: 'stack-config.yml', from: /\n {2}nfs_clients: .*/, to: '' },
    { file: 'stack-config.yml', from: '{ address: 192.168.50.12 }', to: '{ address: 192.168.60.12 }' },
  ])
  try {
    assert.throws(
      () => nfsClients(loadConfig(split)),
      (e: OpsError) => /hosts are not in one \/24/.test(e.message) && /shared\.nfs_clients/.test(e.hint ?? ''),
    )
  } finally {
    rmSync(split, { recursive: true, force: true })
  }
})

test("grafana's admin password comes from the secrets contract; grafana and prometheus keep their data", () => {
  const m = composeModel(compose)
  const s = m.services
  assert.is(s.grafana.environment.GF_SECURITY_ADMIN_PASSWORD, 'g', 'from the deploy shell, by name')
  assert.match(compose, /- GF_SECURITY_ADMIN_PASSWORD\n/, 'by name only: the value is exported on the host')
  const targets = (svc: string) =>
    s[svc].volumes.map((v: { target: string; source: string; type: string }) => `${v.type}:${v.source}:${v.target}`)
  assert.ok(targets('grafana').includes('volume:grafana-data:/var/lib/grafana'), JSON.stringify(targets('grafana')))
  assert.ok(targets('prometheus').includes('volume:prometheus-data:/prometheus'), JSON.stringify(targets('prometheus')))
  assert.ok(targets('db').includes('volume:dbdata:/var/lib/postgresql/data'))
  assert.equal(Object.keys(m.volumes).sort(), ['dbdata', 'grafana-data', 'prometheus-data'])
  assert.equal(Object.keys(s).sort(), ['backend', 'db', 'grafana', 'jaeger', 'nfs-server', 'prometheus'])
})

test('make validate: a config whose grafana lacks GRAFANA_ADMIN_PASSWORD is refused, naming the fix', () => {
  const copy = configCopy([{ file: 'secrets.yml', from: /\n {2}GRAFANA_ADMIN_PASSWORD: .*/, to: '' }])
  try {
    const r = run('make', ['-s', 'validate', `CONFIG=${copy}`], { cwd: REPO })
    assert.is.not(r.code, 0)
    assert.match(r.stderr, 'missing GRAFANA_ADMIN_PASSWORD, needed by grafana')
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})

test("grafana's env is held to the contract's rules: no deploy-only secret, no literal secret", () => {
  for (const [env, want] of [
    ['[GRAFANA_ADMIN_PASSWORD, REGISTRY_PASSWORD]', /REGISTRY_PASSWORD/],
    ['{ GRAFANA_ADMIN_PASSWORD: hunter2 }', /GRAFANA_ADMIN_PASSWORD is a secret and was given a literal value/],
  ] as const) {
    const copy = configCopy([{ file: 'stack-config.yml', from: 'env: [GRAFANA_ADMIN_PASSWORD]', to: `env: ${env}` }])
    try {
      const r = run('make', ['-s', 'validate', `CONFIG=${copy}`], { cwd: REPO })
      assert.is.not(r.code, 0, env)
      assert.match(r.stderr, want)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  }
})

test('nfs-server disabled: no subnet needed, whatever the hosts addresses', () => {
  const copy = configCopy([
    { file: 'stack-config.yml', from: /\n {2}nfs_clients: .*/, to: '' },
    { file: 'stack-config.yml', from: '{ address: 192.168.50.12 }', to: '{ address: 192.168.60.12 }' },
    {
      file: 'stack-config.yml',
      from: /nfs-server:\n\s+image: .*/,
      to: 'nfs-server:\n      disabled: the NAS exports it',
    },
  ])
  try {
    const { compose: text } = renderCoreCompose(loadConfig(copy), 'sha-a1b2c3d')
    assert.not.match(text, 'NFS_EXPORT_0')
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})

test.run()
