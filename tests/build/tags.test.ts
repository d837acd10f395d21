// Tag policy and every refusal, through the real entry points (make build-*; DRY_RUN=1 where a build would start).
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fakeCheckout } from '../helpers/checkout.ts'
import { REPO } from '../helpers/config-copy.ts'
import { make, run } from '../helpers/run.ts'
import { tempDir } from '../helpers/tmp.ts'

const NO_CI = { CI: undefined }
const IN_CI = { CI: 'true' }

/** A committed KTRDR checkout: clean tree, known HEAD. */
function checkout(opts: { origin?: string } = {}) {
  const dir = fakeCheckout()
  writeFileSync(join(dir, 'app.py'), 'print("hi")\n')
  const git = (...args: string[]) =>
    spawnSync('git', ['-C', dir, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], {
      encoding: 'utf8',
    }).stdout.trim()
  git('add', '-A')
  git('commit', '-qm', 'init')
  if (opts.origin) git('remote', 'add', 'origin', opts.origin)
  return { dir, head: git('rev-parse', 'HEAD'), short: git('rev-parse', '--short=7', 'HEAD') }
}

const wouldBuild = (out: string) => /would run: (docker build .*)\]/.exec(out)?.[1]

test('outside CI the default sha- tag is refused, naming TAG=local', () => {
  const c = checkout()
  for (const target of ['build-backend', 'build-worker']) {
    const r = make(target, { APP: c.dir, DRY_RUN: '1' }, { env: NO_CI })
    assert.is(r.code, 2)
    assert.match(r.stderr, `error: refusing to build sha-${c.short} outside CI`)
    assert.match(r.stderr, `hint: build a local tag instead: make ${target} TAG=local`)
  }
  for (const ci of ['', '0', 'false'])
    assert.match(
      make('build-backend', { APP: c.dir, TAG: `sha-${c.short}`, DRY_RUN: '1' }, { env: { CI: ci } }).stderr,
      'outside CI',
      `CI=${ci}`,
    )
})

test('in CI the default tag is sha-<short HEAD>, REVISION the full sha, SOURCE the origin as https', () => {
  const c = checkout({ origin: 'git@github.com:ktrdr/ktrdr.git' })
  const r = make('build-backend', { APP: c.dir, DRY_RUN: '1' }, { env: IN_CI })
  assert.is(r.code, 0, r.stderr)
  assert.is(
    wouldBuild(r.stdout),
    `docker build -f ${REPO}/templates/Dockerfile.backend -t ghcr.io/ktrdr/ktrdr-backend:sha-${c.short} ` +
      `--build-arg BASE=ghcr.io/ktrdr/ktrdr-base:py3.13-v1 ` +
      `--build-arg REVISION=${c.head} ` +
      `--build-arg SOURCE=https://github.com/ktrdr/ktrdr ${c.dir}`,
  )
})

test('in CI: dirty tree (modified or untracked) refused; a sha- tag that is not HEAD refused', () => {
  const c = checkout()
  writeFileSync(join(c.dir, 'app.py'), 'print("changed")\n')
  let r = make('build-worker', { APP: c.dir, DRY_RUN: '1' }, { env: IN_CI })
  assert.is(r.code, 2)
  assert.match(
    r.stderr,
    `refusing to tag sha-${c.short}: the working tree of ${c.dir} has uncommitted changes (M app.py)`,
  )
  assert.match(r.stderr, 'or build TAG=local')
  const u = checkout()
  writeFileSync(join(u.dir, 'new.py'), '')
  assert.match(
    make('build-backend', { APP: u.dir, DRY_RUN: '1' }, { env: IN_CI }).stderr,
    'uncommitted changes (?? new.py)',
  )
  r = make('build-backend', { APP: u.dir, TAG: 'sha-0000000', DRY_RUN: '1' }, { env: { ...IN_CI } })
  assert.match(r.stderr, 'uncommitted changes') // dirty is reported first
  const m = checkout()
  r = make('build-backend', { APP: m.dir, TAG: 'sha-0000000', DRY_RUN: '1' }, { env: IN_CI })
  assert.is(r.code, 2)
  assert.match(r.stderr, `TAG=sha-0000000 does not name HEAD of ${m.dir} (${m.short})`)
})

test('a local tag builds from a dirty tree outside CI; SOURCE and BASE_TAG flags pass through', () => {
  const c = checkout()
  writeFileSync(join(c.dir, 'app.py'), 'print("wip")\n')
  const r = make(
    'build-worker',
    { APP: c.dir, TAG: 'local', DRY_RUN: '1', SOURCE: 'https://example.org/ktrdr', BASE_TAG: 'py3.13-v2' },
    { env: NO_CI },
  )
  assert.is(r.code, 0, r.stderr)
  assert.is(
    wouldBuild(r.stdout),
    `docker build -f ${REPO}/templates/Dockerfile.worker -t ghcr.io/ktrdr/ktrdr-worker:local ` +
      `--build-arg BASE=ghcr.io/ktrdr/ktrdr-base:py3.13-v2 ` +
      `--build-arg REVISION=${c.head} ` +
      `--build-arg SOURCE=https://example.org/ktrdr ${c.dir}`,
  )
})

test('no origin remote: SOURCE falls back to "unknown" with a note', () => {
  const c = checkout()
  const r = make('build-backend', { APP: c.dir, TAG: 'local', DRY_RUN: '1' })
  assert.match(r.stderr, 'has no usable remote "origin": the source label will be "unknown" (pass SOURCE=<repo URL>)')
  assert.match(wouldBuild(r.stdout)!, '--build-arg SOURCE=unknown ')
})

test('build-base: py3.13-v1 by default, lab args, never a sha- tag, needs no checkout', () => {
  let r = make('build-base', {
    APP: '/nonexistent',
    BASE_IMAGE: 'ktrdr-lab/python:3.13',
    INSTALL_UV: '0',
    DRY_RUN: '1',
  })
  assert.is(r.code, 0, r.stderr)
  assert.is(
    wouldBuild(r.stdout),
    `docker build -f ${REPO}/templates/Dockerfile.base -t ghcr.io/ktrdr/ktrdr-base:py3.13-v1 ` +
      `--build-arg BASE_IMAGE=ktrdr-lab/python:3.13 ` +
      `--build-arg INSTALL_UV=0 ${REPO}/templates`,
  )
  r = make('build-base', { TAG: 'sha-abcdef0', DRY_RUN: '1' }, { env: IN_CI })
  assert.is(r.code, 2)
  assert.match(r.stderr, 'the base image is versioned by toolchain (py3.13-v1), never by commit')
  assert.match(make('build-base', { INSTALL_UV: '2', DRY_RUN: '1' }).stderr, '--install-uv must be one of 0, 1')
})

test("build-db: FROM the pin, tagged by the pin's tag, never a sha- tag, needs no checkout", () => {
  let r = make('build-db', { APP: '/nonexistent', DRY_RUN: '1' })
  assert.is(r.code, 0, r.stderr)
  assert.is(
    wouldBuild(r.stdout),
    `docker build -f ${REPO}/templates/Dockerfile.db -t ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17 ` +
      `--build-arg DB_IMAGE=timescale/timescaledb:2.19.3-pg17 ${REPO}/templates`,
  )
  r = make('build-db', { TAG: 'sha-abcdef0', DRY_RUN: '1' }, { env: IN_CI })
  assert.is(r.code, 2)
  assert.match(r.stderr, 'the db image is versioned by its pin (core.services.db.image), never by commit')
})

test('invalid tag, missing checkout, not a git checkout: usage errors naming the fix', () => {
  const c = checkout()
  let r = make('build-backend', { APP: c.dir, TAG: '-bad', DRY_RUN: '1' })
  assert.match(r.stderr, 'TAG=-bad is not a valid image tag')
  r = make('build-backend', { APP: '/nonexistent/ktrdr', TAG: 'local', DRY_RUN: '1' })
  assert.match(r.stderr, 'KTRDR checkout not found: /nonexistent/ktrdr')
  r = make('build-worker', { APP: fakeCheckout({ git: false }), TAG: 'local', DRY_RUN: '1' })
  assert.match(r.stderr, 'is not a git checkout with a commit')
})

test('PUSH=1: the password is read before any build; missing → names the variable, docker never runs', () => {
  const c = checkout()
  const r = make(
    'build-backend',
    { APP: c.dir, TAG: 'local', PUSH: '1', SECRETS_PROVIDER: 'env' },
    { env: { REGISTRY_PASSWORD: undefined } },
  )
  assert.is(r.code, 2)
  assert.match(r.stderr, 'secrets provider env: not set in the environment: REGISTRY_PASSWORD')
  assert.not.match(r.stdout, 'Build ghcr.io', 'the build task never started')
})

const imageModeRefs =
  'image mode: the refs make build-* TAG=local produces are the ones docker-compose.dev.yml ' +
  'runs with KTRDR_IMAGE_TAG=local'
test(imageModeRefs, () => {
  const c = checkout()
  const dir = tempDir('ktrdr-devstack-')
  cpSync(join(REPO, 'templates/docker-compose.dev.yml'), join(dir, 'docker-compose.dev.yml'))
  writeFileSync(join(dir, '.env.dev'), readFileSync(join(REPO, 'templates/env.dev.example')))
  const args = ['compose', '--env-file', '.env.dev', '-f', 'docker-compose.dev.yml', 'config', '--format', 'json']
  // The example leaves the secrets empty (make dev-env fills them): compose refuses an empty one, so give them.
  const compose = run('docker', args, {
    cwd: dir,
    env: { KTRDR_IMAGE_TAG: 'local', DB_PASSWORD: 'd', JWT_SECRET: 'j', BROKER_API_KEY: 'b' },
  })
  assert.is(compose.code, 0, compose.stderr)
  const services = JSON.parse(compose.stdout).services
  for (const kind of ['backend', 'worker']) {
    const built = / -t (\S+) /.exec(
      wouldBuild(make(`build-${kind}`, { APP: c.dir, TAG: 'local', DRY_RUN: '1' }).stdout)!,
    )![1]
    assert.is(services[kind].image, built)
  }
})

test.run()
