// Each way 1Password can fail → a clear message naming what to do, and never a value.
import { readFileSync, writeFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fakeCheckout } from '../helpers/checkout.ts'
import { configCopy } from '../helpers/config-copy.ts'
import { make } from '../helpers/run.ts'
import { AWKWARD, opWorld } from '../helpers/standins.ts'
import { opProvider } from '../../lib/secrets/op.ts'
import { SecretReadError } from '../../lib/secrets/types.ts'

const leaks = (text: string) => Object.values(AWKWARD).some((v) => v.split('\n').some((p) => text.includes(p)))

function devEnv(env: Record<string, string>, vars: Record<string, string> = {}) {
  const r = make('dev-env', { APP: fakeCheckout(), YES: '1', ...vars }, { env })
  assert.is.not(r.code, 0, r.stdout + r.stderr)
  assert.not.ok(leaks(r.stdout + r.stderr), 'a secret value was printed')
  return r.stderr
}

test('op not installed → install hint', () => {
  const op = opWorld()
  const err = devEnv({ ...op.env, PATH: '/usr/local/bin:/usr/bin:/bin' })
  assert.ok(err.includes('the 1Password CLI (op) is not installed or not on PATH'), `stderr was:\n${err}`)
  assert.match(err, 'https://developer.1password.com/docs/cli/get-started/')
})

test('not signed in → op signin or service-account hint', () => {
  const op = opWorld(AWKWARD, { desktop_session: false })
  const err = devEnv(op.env)
  assert.match(err, '1Password: not signed in')
  assert.match(err, 'op signin')
  assert.match(err, 'OP_SERVICE_ACCOUNT_TOKEN')
})

test('service account token works; a wrong one is refused clearly', () => {
  const op = opWorld(AWKWARD, { desktop_session: false, service_account_token: 'ops_right-token' })
  const ok = make(
    'dev-env',
    { APP: fakeCheckout(), YES: '1' },
    { env: { ...op.env, OP_SERVICE_ACCOUNT_TOKEN: 'ops_right-token' } },
  )
  assert.is(ok.code, 0, ok.stderr)
  const err = devEnv({ ...op.env, OP_SERVICE_ACCOUNT_TOKEN: 'ops_wrong-token' })
  assert.match(err, 'service account token was refused')
  assert.not.ok(err.includes('ops_wrong-token'), 'the token itself is never printed')
})

test('item not found → names the env variable and the reference', () => {
  const dir = configCopy([
    {
      file: 'secrets.yml',
      from: 'JWT_SECRET: op://ktrdr-dev/backend/jwt_secret',
      to: 'JWT_SECRET: op://ktrdr-dev/backend-typo/jwt_secret',
    },
  ])
  const err = devEnv(opWorld().env, { CONFIG: dir })
  assert.match(err, 'could not resolve JWT_SECRET (op://ktrdr-dev/backend-typo/jwt_secret)')
})

test('rate limited → says so and what to do', () => {
  const err = devEnv({ ...opWorld().env, OP_STANDIN_RATE_LIMITED: '1' })
  assert.match(err, '1Password rate limit reached')
  assert.match(err, 'wait a minute and retry')
})

test('azure provider reads Key Vault through az, one value per secret, byte for byte', () => {
  const refs =
    '  DB_PASSWORD: azkv://ktrdr-kv/db-password\n' +
    '  JWT_SECRET: azkv://ktrdr-kv/jwt-secret\n' +
    '  BROKER_API_KEY: azkv://ktrdr-kv/broker-api-key\n'
  const dir = configCopy([
    {
      file: 'secrets.yml',
      from: /^provider: op[\s\S]*$/m,
      to:
        `provider: azure\nsecrets:\n${refs}  REGISTRY_PASSWORD: azkv://ktrdr-kv/registry-password\n` +
        '  GRAFANA_ADMIN_PASSWORD: azkv://ktrdr-kv/grafana-admin-password\n' +
        `dev_secrets:\n${refs}`,
    },
  ])
  const op = opWorld()
  const vault = `${op.vaultFile}.az.json`
  writeFileSync(
    vault,
    JSON.stringify({
      logged_in: true,
      vaults: {
        'ktrdr-kv': {
          'db-password': AWKWARD.DB_PASSWORD,
          'jwt-secret': AWKWARD.JWT_SECRET,
          'broker-api-key': AWKWARD.BROKER_API_KEY,
        },
      },
    }),
  )
  const app = fakeCheckout()
  const cache = `${op.vaultFile}.msal-cache`
  const r = make(
    'dev-env',
    { APP: app, YES: '1', CONFIG: dir },
    { env: { ...op.env, AZ_STANDIN_VAULT: vault, AZ_STANDIN_TOKEN_CACHE: cache } },
  )
  assert.is(r.code, 0, r.stderr)
  assert.is(op.calls('az'), 3)
  // One az at a time: each read-modify-write of the shared token cache landed (concurrent calls lose some).
  assert.is(readFileSync(cache, 'utf8'), '3')
  assert.is(op.calls('op'), 0)
  writeFileSync(vault, JSON.stringify({ logged_in: false, vaults: {} }))
  const loggedOut = devEnv({ ...op.env, AZ_STANDIN_VAULT: vault }, { CONFIG: dir })
  assert.match(loggedOut, 'az login')
})

test('dev never falls back to the homelab secrets: a secret missing from dev_secrets is named, nothing is read', () => {
  const dir = configCopy([{ file: 'secrets.yml', from: /^ {2}JWT_SECRET: op:\/\/ktrdr-dev\/.*\n/m, to: '' }])
  const op = opWorld()
  const err = devEnv(op.env, { CONFIG: dir })
  assert.match(err, 'dev_secrets: missing JWT_SECRET, needed by backend (dev never falls back to secrets:)')
  assert.match(err, 'add JWT_SECRET: op://<vault>/<item>/<field> under dev_secrets:')
  assert.is(op.calls('op'), 0)
})

test('a reference op cannot resolve is refused by validate, with the fix (item name with ! or a space)', () => {
  for (const item of ['broker!', 'my broker']) {
    const dir = configCopy([
      { file: 'secrets.yml', from: 'op://ktrdr-homelab/broker/api_key', to: `op://ktrdr-homelab/${item}/api_key` },
    ])
    const r = make('validate', { CONFIG: dir })
    assert.is(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, 'secrets.BROKER_API_KEY: a name in this reference holds a character op inject does not')
    assert.match(r.stderr, "use the vault's or item's ID instead of its name")
  }
})

test('the op provider never takes a reference op left unresolved for a value', async () => {
  const op = opWorld()
  const saved = { ...process.env }
  Object.assign(process.env, op.env)
  try {
    await opProvider.resolve([{ name: 'BROKER_API_KEY', ref: 'op://ktrdr-homelab/broker!/api_key' }])
    assert.unreachable('resolved')
  } catch (e) {
    assert.instance(e, SecretReadError)
    assert.match(
      (e as Error).message,
      "op inject left BROKER_API_KEY's reference unresolved (op://ktrdr-homelab/broker!/api_key)",
    )
  } finally {
    process.env = saved
  }
  assert.is(op.calls('op'), 1)
})

test.run()
