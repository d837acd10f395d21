// Templates: env.dev.example agrees with the contract (make check-templates), the dev compose file is valid
// for docker compose in both modes, and the .gitignore lines cover what must never be committed.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { make, run } from '../helpers/run.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { envEntries } from '../../lib/config/contract.ts'
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
  const args = ['compose', '--env-file', '.env.dev', '-f', 'docker-compose.dev.yml', 'config', '--format', 'json']
  const r = run('docker', args, {
    cwd: dir,
    env: { ...process.env, ...env, DB_PASSWORD: 'd', JWT_SECRET: 'j', BROKER_API_KEY: 'b' },
  })
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout).services
}

test('docker-compose.dev.yml: hot reload by default, image mode with one variable, the same module in both', () => {
  const reload = composeConfig()
  assert.is(reload.backend.image, 'ghcr.io/ktrdr/ktrdr-backend:dev')
  assert.ok(
    reload.backend.volumes.some((v: { target: string }) => v.target === '/app'),
    'code bind-mounted at /app',
  )
  const image = composeConfig({ KTRDR_IMAGE_TAG: 'local' })
  assert.is(image.backend.image, 'ghcr.io/ktrdr/ktrdr-backend:local')
  assert.is(image.worker.image, 'ghcr.io/ktrdr/ktrdr-worker:local')
  assert.not.ok(
    image.backend.volumes.some((v: { target: string }) => v.target === '/app'),
    'no code mount over the image in image mode',
  )
  // One module, as the image's CMD runs it; the reloader only in hot reload mode.
  for (const mode of [reload, image]) {
    assert.equal(mode.backend.command, ['python', '-m', 'ktrdr.backend'])
    assert.equal(mode.worker.command, ['python', '-m', 'ktrdr.worker'])
  }
  assert.match(readFileSync('templates/Dockerfile.backend', 'utf8'), 'CMD ["python", "-m", "ktrdr.backend"]')
  assert.is(reload.backend.environment.KTRDR_RELOAD, '1')
  assert.is.not(image.backend.environment.KTRDR_RELOAD, '1')
})

test('docker-compose.dev.yml: each service gets only its contract variables (the homelab config lists)', () => {
  const cfg = loadConfig('infra/homelab')
  const s = composeConfig()
  const names = (svc: string) =>
    Object.keys(s[svc].environment)
      .filter((n) => n !== 'KTRDR_RELOAD')
      .sort()
  assert.equal(
    names('backend'),
    envEntries(cfg.stack.core.services.backend!.env)
      .map(([n]) => n)
      .sort(),
  )
  assert.equal(
    names('worker'),
    envEntries(cfg.stack.workers.env)
      .map(([n]) => n)
      .sort(),
  )
  assert.equal(names('db'), ['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER'])
  assert.not.ok('BROKER_API_KEY' in s.backend.environment, "the backend never gets the workers' key")
  assert.not.ok('JWT_SECRET' in s.worker.environment, "the workers never get the backend's signing key")
  for (const svc of Object.values(s) as { env_file?: unknown }[]) assert.is(svc.env_file, undefined)
  assert.is(s.backend.environment.BACKEND_BASE_URL, undefined)
  assert.is(s.worker.environment.BACKEND_BASE_URL, 'http://backend:8000')
})

test('the sample backend under KTRDR_RELOAD=1 starts again when a file of the package changes', async () => {
  const app = tempDir('ktrdr-reload-')
  cpSync('examples/ktrdr-app', app, { recursive: true })
  const env = {
    ...process.env,
    KTRDR_RELOAD: '1',
    DB_HOST: '127.0.0.1',
    DB_PORT: '1',
    DB_NAME: 'x',
    DB_USER: 'x',
    DB_PASSWORD: 'x',
    JWT_SECRET: 'x',
    SHARED_MOUNT_PATH: app,
    BACKEND_PORT: '0',
  }
  const child = spawn('python3', ['-m', 'ktrdr.backend'], { cwd: app, env })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const until = async (re: RegExp, n: number) => {
    for (let i = 0; i < 100 && (err.match(re) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 100))
    return (err.match(re) ?? []).length
  }
  try {
    assert.is(await until(/reload: starting python -m ktrdr\.backend/g, 1), 1, err)
    await new Promise((r) => setTimeout(r, 700))
    writeFileSync(join(app, 'ktrdr/touched.py'), '# changed\n')
    assert.is(await until(/reload: starting python -m ktrdr\.backend/g, 2), 2, err)
    assert.match(err, 'reload: a file changed, restarting')
  } finally {
    child.kill('SIGTERM')
  }
})

test('gitignore lines cover .env.dev, *.env.local and *.secrets', () => {
  const lines = readFileSync('templates/gitignore.dev', 'utf8').split('\n')
  for (const l of ['.env.dev', '*.env.local', '*.secrets']) assert.ok(lines.includes(l), l)
})

test('templates/dockerignore keeps env files, secrets and .git out of a build context', () => {
  const app = tempDir('ktrdr-ctx-')
  cpSync('templates/dockerignore', join(app, '.dockerignore'))
  for (const [f, text] of [
    ['.env.dev', 'DB_PASSWORD=canary-env\n'],
    ['broker.secrets', 'canary-secrets\n'],
    ['pyproject.toml', '[project]\nname = "x"\n'],
    ['.git/config', '[core]\n'],
  ] as const) {
    mkdirSync(dirname(join(app, f)), { recursive: true })
    writeFileSync(join(app, f), text)
  }
  // What the daemon receives: a build that copies its whole context, listed.
  writeFileSync(join(app, 'Dockerfile.ctx'), 'FROM ktrdr-lab/python:3.13\nCOPY . /ctx\n')
  const tag = `ktrdr-ctx-test:${process.pid}`
  const b = run('docker', ['build', '-q', '-f', 'Dockerfile.ctx', '-t', tag, '.'], { cwd: app })
  assert.is(b.code, 0, b.stderr)
  try {
    const ls = run('docker', ['run', '--rm', tag, 'find', '/ctx', '-mindepth', '1', '-printf', '%P\\n'])
    assert.is(ls.code, 0, ls.stderr)
    assert.equal(ls.stdout.trim().split('\n').sort(), ['.dockerignore', 'Dockerfile.ctx', 'pyproject.toml'])
  } finally {
    run('docker', ['rmi', '-f', tag])
  }
})

test.run()
