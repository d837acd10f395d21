// make dev-env through its real entry point, with the op stand-in on PATH.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'dotenv'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fakeCheckout } from '../helpers/checkout.ts'
import { make } from '../helpers/run.ts'
import { AWKWARD, opWorld } from '../helpers/standins.ts'

const noLeak = (text: string) => {
  for (const v of Object.values(AWKWARD))
    for (const part of v.split('\n')) assert.not.ok(text.includes(part), `secret text leaked: ${JSON.stringify(part)}`)
}

test('writes .env.dev 0600 with every contract variable, in one op call, naming variables only', () => {
  const app = fakeCheckout()
  const op = opWorld()
  const r = make('dev-env', { APP: app, YES: '1' }, { env: op.env })
  assert.is(r.code, 0, r.stderr)
  assert.is(op.calls(), 1)
  const file = join(app, '.env.dev')
  assert.is(statSync(file).mode & 0o777, 0o600)
  const env = parse(readFileSync(file))
  assert.is(env.DB_PASSWORD, AWKWARD.DB_PASSWORD)
  assert.is(env.JWT_SECRET, AWKWARD.JWT_SECRET)
  assert.is(env.BROKER_API_KEY, AWKWARD.BROKER_API_KEY)
  assert.is(env.BACKEND_BASE_URL, 'http://backend:8000')
  assert.match(
    r.stdout,
    'filled: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, BACKEND_PORT, ' +
      'BACKEND_BASE_URL, WORKER_PUBLIC_BASE_URL, WORKER_PORT, SHARED_MOUNT_PATH, ' +
      'JWT_SECRET, BROKER_API_KEY, LOG_LEVEL',
  )
  noLeak(r.stdout + r.stderr)
  assert.equal(
    readdirSync(app).filter((f) => f.includes('.tmp')),
    [],
    'no temp file left behind',
  )
})

test('refuses when .env.dev is not git-ignored, writing nothing', () => {
  const app = fakeCheckout({ ignore: false })
  const r = make('dev-env', { APP: app, YES: '1' }, { env: opWorld().env })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'is not git-ignored')
  assert.match(r.stderr, 'templates/gitignore.dev')
  assert.equal(
    readdirSync(app).filter((f) => f.startsWith('.env')),
    [],
  )
})

test('existing file without --yes and no TTY: never prompts, names the flag, leaves the file', () => {
  const app = fakeCheckout()
  writeFileSync(join(app, '.env.dev'), 'KEEP=me\n')
  const op = opWorld()
  const r = make('dev-env', { APP: app }, { env: op.env })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'pass --yes (make: YES=1)')
  assert.is(readFileSync(join(app, '.env.dev'), 'utf8'), 'KEEP=me\n')
  assert.is(op.calls(), 0, 'nothing read before the question was answered')
})

test('a failed secret read leaves the existing file untouched', () => {
  const app = fakeCheckout()
  writeFileSync(join(app, '.env.dev'), 'KEEP=me\n')
  const op = opWorld(AWKWARD, { rate_limited: true })
  const r = make('dev-env', { APP: app, YES: '1' }, { env: op.env })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, '1Password rate limit reached')
  assert.is(readFileSync(join(app, '.env.dev'), 'utf8'), 'KEEP=me\n')
})

test('env provider: values from the environment, no op call', () => {
  const app = fakeCheckout()
  const op = opWorld()
  const r = make(
    'dev-env',
    { APP: app, YES: '1', SECRETS_PROVIDER: 'env' },
    { env: { ...op.env, DB_PASSWORD: 'from-env-1', JWT_SECRET: 'from-env-2', BROKER_API_KEY: 'from-env-3' } },
  )
  assert.is(r.code, 0, r.stderr)
  assert.is(op.calls(), 0)
  assert.is(parse(readFileSync(join(app, '.env.dev'))).JWT_SECRET, 'from-env-2')
})

test('a value no .env quoting can carry is refused by name, not printed', () => {
  const app = fakeCheckout()
  const bad = { ...AWKWARD, JWT_SECRET: "it's $bad" }
  const r = make('dev-env', { APP: app, YES: '1' }, { env: opWorld(bad).env })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'JWT_SECRET: its value contains both a single quote')
  assert.not.ok((r.stdout + r.stderr).includes("it's $bad"))
})

test.run()
