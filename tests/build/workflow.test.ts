// The GitHub Actions workflow template: parsed and checked, then its make lines run here as CI would
// (uv stand-in for deps-check, DRY_RUN=1 for the builds), so it can only call targets and flags that exist.
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { parse } from 'yaml'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { make, run } from '../helpers/run.ts'
import { STANDIN_BIN } from '../helpers/standins.ts'
import { tempDir } from '../helpers/tmp.ts'

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> }
const wf = parse(readFileSync(join(REPO, 'templates/github/workflows/publish.yml'), 'utf8'))
const job = wf.jobs.images
const steps: Step[] = job.steps
const makeSteps = steps.filter((s) => s.run?.includes('make '))
const at = (target: string) => makeSteps.findIndex((s) => new RegExp(`make -C "\\$OPS" ${target}\\b`).test(s.run!))

test('triggers on push to main only; token may write packages', () => {
  assert.equal(Object.keys(wf.on), ['push'])
  assert.equal(wf.on.push.branches, ['main'])
  assert.equal(wf.permissions, { contents: 'read', packages: 'write' })
  assert.is(job.env.CI, 'true')
})

test('checks out the app and ktrdr-ops, installs uv (the version the stand-in follows) and node', () => {
  const uses = steps.map((s) => s.uses).filter(Boolean) as string[]
  assert.ok(uses.filter((u) => u.startsWith('actions/checkout@')).length === 2)
  const uv = steps.find((s) => s.uses?.startsWith('astral-sh/setup-uv@'))
  assert.ok(uv, 'astral-sh/setup-uv')
  assert.is(uv!.with!.version, '0.7.3')
  assert.ok(uses.some((u) => u.startsWith('actions/setup-node@')))
})

test('make deps-check, then build-base, then backend and worker pushed with the job token via the env provider', () => {
  const order = ['setup', 'deps-check', 'build-base', 'build-backend', 'build-worker'].map(at)
  assert.ok(
    order.every((i) => i >= 0),
    `all targets present: ${order}`,
  )
  assert.equal(
    [...order].sort((a, b) => a - b),
    order,
    'in this order',
  )
  for (const t of ['build-backend', 'build-worker']) {
    const s = makeSteps[at(t)]!
    assert.match(s.run!, 'PUSH=1')
    assert.match(s.run!, 'SECRETS_PROVIDER=env')
    assert.not.match(s.run!, 'TAG=', 'default tag: sha-<short>')
    assert.is(s.env!.REGISTRY_PASSWORD, '${{ secrets.GITHUB_TOKEN }}')
    assert.not.match(s.run!, '${{', 'no expressions inside run:')
  }
  assert.not.ok(
    steps.some((s) => s.run?.includes('docker login')),
    'logins only through make',
  )
})

test('the run lines work as written: deps-check passes, builds tag sha-<short> and would push', () => {
  const app = tempDir('ktrdr-ci-app-')
  cpSync(join(REPO, 'examples/ktrdr-app'), app, { recursive: true })
  const env = {
    PATH: `${STANDIN_BIN}:${process.env.PATH}`,
    CI: 'true',
    APP: app,
    OPS: REPO,
    REGISTRY_PASSWORD: 'ghs_dummy',
    REGISTRY_USER: 'octocat',
  }
  assert.is(make('deps-lock', { APP: app }, { env }).code, 0)
  const git = (...a: string[]) =>
    spawnSync('git', ['-C', app, '-c', 'user.email=ci@example.org', '-c', 'user.name=ci', ...a], {
      encoding: 'utf8',
    }).stdout.trim()
  git('init', '-q')
  git('add', '-A')
  git('commit', '-qm', 'app')
  const short = git('rev-parse', '--short=7', 'HEAD')
  for (const s of makeSteps) {
    const line = s.run!.replace(/build-(base|backend|worker)/, '$& DRY_RUN=1')
    const r = run('bash', ['-c', line], {
      env: { ...env, ...Object.fromEntries(Object.keys(s.env ?? {}).map((k) => [k, env[k as keyof typeof env]])) },
    })
    assert.is(r.code, 0, `${s.name}: ${r.stderr}`)
    if (/build-(backend|worker)/.test(line)) {
      assert.match(r.stdout, new RegExp(`would run: docker push ghcr\\.io/ktrdr/ktrdr-(backend|worker):sha-${short}`))
      assert.match(r.stdout, 'login to ghcr.io as octocat')
    }
  }
})

test.run()
