// Templates: env.dev.example agrees with the contract (make check-templates), the dev compose file is valid
// for docker compose in both modes, and the .gitignore lines cover what must never be committed.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { make, run } from '../helpers/run.ts'
import { tempDir } from '../helpers/tmp.ts'

test('make check-templates passes on the shipped template', () => {
  const r = make('check-templates')
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'all 13 contract variables listed')
})

test('make check-templates fails when the template and the contract disagree', () => {
  const dir = tempDir('ktrdr-tpl-')
  const broken = readFileSync('templates/env.dev.example', 'utf8')
    .replace(/^JWT_SECRET=\n/m, '')
    .concat('SURPRISE=1\n')
  writeFileSync(join(dir, 'env.dev.example'), broken)
  const r = make('check-templates', { TEMPLATE: join(dir, 'env.dev.example') })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'missing JWT_SECRET')
  assert.match(r.stderr, 'SURPRISE is not in the contract')
})

function composeConfig(env: Record<string, string> = {}) {
  const dir = tempDir('ktrdr-devstack-')
  cpSync('templates/docker-compose.dev.yml', join(dir, 'docker-compose.dev.yml'))
  writeFileSync(join(dir, '.env.dev'), readFileSync('templates/env.dev.example'))
  const r = run('docker', ['compose', '-f', 'docker-compose.dev.yml', 'config', '--format', 'json'], { cwd: dir, env })
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout).services
}

test('docker-compose.dev.yml: hot reload by default, image mode with one variable', () => {
  const reload = composeConfig()
  assert.is(reload.backend.image, 'ghcr.io/ktrdr/ktrdr-backend:dev')
  assert.ok(
    reload.backend.volumes.some((v: { target: string }) => v.target === '/app'),
    'code bind-mounted at /app',
  )
  assert.match(reload.backend.command.join(' '), 'uvicorn ktrdr.api:app --reload')
  assert.equal(reload.backend.env_file ?? null, null) // compose inlines env_file into environment
  assert.is(reload.backend.environment.BACKEND_BASE_URL, 'http://backend:8000')
  const image = composeConfig({ KTRDR_IMAGE_TAG: 'local' })
  assert.is(image.backend.image, 'ghcr.io/ktrdr/ktrdr-backend:local')
  assert.is(image.worker.image, 'ghcr.io/ktrdr/ktrdr-worker:local')
  assert.not.ok(
    image.backend.volumes.some((v: { target: string }) => v.target === '/app'),
    'no code mount over the image in image mode',
  )
})

test('gitignore lines cover .env.dev, *.env.local and *.secrets', () => {
  const lines = readFileSync('templates/gitignore.dev', 'utf8').split('\n')
  for (const l of ['.env.dev', '*.env.local', '*.secrets']) assert.ok(lines.includes(l), l)
})

test.run()
