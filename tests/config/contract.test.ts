// The env contract resolved for dev and homelab: exact maps for the backend and for worker replica 2 on node C.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/config/load.ts'
import { ConfigError } from '../../lib/errors.ts'
import { findNode } from '../../lib/config/model.ts'
import { MissingEnvError, planEnv, resolveEnv } from '../../lib/contract/resolve.ts'
import { Secret } from '../../lib/secrets/secret.ts'
import { configCopy, HOMELAB } from '../helpers/config-copy.ts'

const cfg = loadConfig(HOMELAB)
const secrets = new Map([
  ['DB_PASSWORD', new Secret('DB_PASSWORD', 'pw-1')],
  ['JWT_SECRET', new Secret('JWT_SECRET', 'jwt-2')],
  ['BROKER_API_KEY', new Secret('BROKER_API_KEY', 'broker-3')],
])

test('homelab backend', () => {
  assert.equal(resolveEnv(cfg, { environment: 'homelab', service: 'backend' }, secrets), {
    DB_HOST: 'db',
    DB_PORT: '5432',
    DB_NAME: 'ktrdr',
    DB_USER: 'ktrdr',
    DB_PASSWORD: 'pw-1',
    JWT_SECRET: 'jwt-2',
    SHARED_MOUNT_PATH: '/mnt/shared',
    BACKEND_PORT: '8000',
    LOG_LEVEL: 'info',
  })
})

test('homelab worker replica 2 on node C: its own port and explicit public URL', () => {
  assert.equal(
    resolveEnv(cfg, { environment: 'homelab', service: 'worker', node: findNode(cfg, 'C'), replica: 2 }, secrets),
    {
      BACKEND_BASE_URL: 'http://ktrdr-core.internal:8000',
      WORKER_PUBLIC_BASE_URL: 'http://ktrdr-workers-c.internal:9001',
      WORKER_PORT: '9001',
      SHARED_MOUNT_PATH: '/mnt/shared',
      BROKER_API_KEY: 'broker-3',
      LOG_LEVEL: 'info',
    },
  )
})

test('dev backend and dev worker replica 2 on node C use compose service names', () => {
  assert.equal(resolveEnv(cfg, { environment: 'dev', service: 'backend' }, secrets).DB_HOST, 'db')
  assert.equal(
    resolveEnv(cfg, { environment: 'dev', service: 'worker', node: findNode(cfg, 'c'), replica: 2 }, secrets),
    {
      BACKEND_BASE_URL: 'http://backend:8000',
      WORKER_PUBLIC_BASE_URL: 'http://worker-2:9001',
      WORKER_PORT: '9001',
      SHARED_MOUNT_PATH: '/mnt/shared',
      BROKER_API_KEY: 'broker-3',
      LOG_LEVEL: 'info',
    },
  )
})

test('dev uses dev_secrets references, homelab the main ones', () => {
  const ref = (env: 'dev' | 'homelab') =>
    planEnv(cfg, { environment: env, service: 'backend' }).find((v) => v.name === 'JWT_SECRET')?.ref
  assert.is(ref('dev'), 'op://ktrdr-dev/backend/jwt_secret')
  assert.is(ref('homelab'), 'op://ktrdr-homelab/backend/jwt_secret')
})

test('the zone is one value: changing it moves every derived URL', () => {
  const c = loadConfig(configCopy([{ file: 'stack-config.yml', from: 'zone: internal', to: 'zone: home.lan' }]))
  const env = resolveEnv(c, { environment: 'homelab', service: 'worker', node: findNode(c, 'B'), replica: 3 }, secrets)
  assert.is(env.BACKEND_BASE_URL, 'http://ktrdr-core.home.lan:8000')
  assert.is(env.WORKER_PUBLIC_BASE_URL, 'http://ktrdr-workers-b.home.lan:9002')
})

test('missing secret references: the config is refused at load, every one named at once, across services', () => {
  const dir = configCopy([
    { file: 'secrets.yml', from: '  JWT_SECRET: op://ktrdr-homelab/backend/jwt_secret\n', to: '' },
    { file: 'secrets.yml', from: '  BROKER_API_KEY: op://ktrdr-homelab/broker/api_key\n', to: '' },
  ])
  try {
    loadConfig(dir)
    assert.unreachable()
  } catch (e) {
    assert.instance(e, ConfigError)
    assert.equal(
      (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`),
      ['secrets: missing JWT_SECRET, needed by backend', 'secrets: missing BROKER_API_KEY, needed by worker'],
    )
  }
})

test('missing variables at resolve time: one error listing every one and where to set it', () => {
  const c = loadConfig(HOMELAB)
  c.secrets = { ...c.secrets, secrets: { ...c.secrets.secrets } }
  delete c.secrets.secrets.JWT_SECRET
  delete c.secrets.secrets.DB_PASSWORD
  try {
    resolveEnv(c, { environment: 'homelab', service: 'backend' }, secrets)
    assert.unreachable()
  } catch (e) {
    assert.instance(e, MissingEnvError)
    assert.equal(
      (e as MissingEnvError).missing.map((m) => m.name),
      ['DB_PASSWORD', 'JWT_SECRET'],
    )
    assert.match(
      (e as Error).message,
      `add \`JWT_SECRET: op://<vault>/<item>/<field>\` under secrets: in ${c.files.secrets}`,
    )
    assert.not.match((e as Error).message, '(homelab)')
  }
  try {
    resolveEnv(cfg, { environment: 'homelab', service: 'backend' }, new Map())
    assert.unreachable()
  } catch (e) {
    assert.equal(
      (e as MissingEnvError).missing.map((m) => m.name),
      ['DB_PASSWORD', 'JWT_SECRET'],
    )
  }
})

test('azure is declared but not resolvable yet', () => {
  assert.throws(() => planEnv(cfg, { environment: 'azure', service: 'backend' }), /not implemented yet/)
})

test.run()
