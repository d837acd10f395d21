// The real consumer: docker compose reads the .env.dev that dev-env wrote through `env_file:` and gets
// every awkward value back byte for byte, exactly as the dotenv parser does.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'dotenv'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fakeCheckout } from '../helpers/checkout.ts'
import { make, run } from '../helpers/run.ts'
import { AWKWARD, opWorld } from '../helpers/standins.ts'

test('dotenv and docker compose env_file read identical values', () => {
  const app = fakeCheckout()
  const r = make('dev-env', { APP: app, YES: '1' }, { env: opWorld().env })
  assert.is(r.code, 0, r.stderr)
  writeFileSync(join(app, 'compose.yml'), 'services:\n  probe:\n    image: ktrdr-lab/none:0\n    env_file: .env.dev\n')
  const c = run('docker', ['compose', 'config', '--format', 'json'], { cwd: app })
  assert.is(c.code, 0, c.stderr)
  // compose prints its resolved config re-escaped for compose: a literal $ appears as $$.
  const fromCompose = Object.fromEntries(
    Object.entries(JSON.parse(c.stdout).services.probe.environment as Record<string, string>).map(([k, v]) => [
      k,
      v.replaceAll('$$', '$'),
    ]),
  )
  const fromDotenv = parse(readFileSync(join(app, '.env.dev')))
  for (const name of ['DB_PASSWORD', 'JWT_SECRET', 'BROKER_API_KEY'] as const) {
    assert.is(fromCompose[name], AWKWARD[name], `compose read ${name} differently`)
    assert.is(fromDotenv[name], AWKWARD[name], `dotenv read ${name} differently`)
  }
  assert.equal(fromCompose, fromDotenv)
})

test('the shipped dev compose (--env-file .env.dev) hands each service its awkward values byte for byte', () => {
  const app = fakeCheckout()
  const r = make('dev-env', { APP: app, YES: '1' }, { env: opWorld().env })
  assert.is(r.code, 0, r.stderr)
  copyFileSync('templates/docker-compose.dev.yml', join(app, 'docker-compose.dev.yml'))
  const c = run(
    'docker',
    ['compose', '--env-file', '.env.dev', '-f', 'docker-compose.dev.yml', 'config', '--format', 'json'],
    { cwd: app },
  )
  assert.is(c.code, 0, c.stderr)
  const services = JSON.parse(c.stdout).services as Record<string, { environment: Record<string, string> }>
  const got = (svc: string, name: string) => services[svc]!.environment[name]!.replaceAll('$$', '$')
  assert.is(got('backend', 'DB_PASSWORD'), AWKWARD.DB_PASSWORD)
  assert.is(got('backend', 'JWT_SECRET'), AWKWARD.JWT_SECRET)
  assert.is(got('db', 'POSTGRES_PASSWORD'), AWKWARD.DB_PASSWORD)
  assert.is(got('worker', 'BROKER_API_KEY'), AWKWARD.BROKER_API_KEY)
})

test.run()
