// The GitHub Actions workflow template: parsed and checked, then its make lines run here as CI would
// (uv stand-in for deps-check, DRY_RUN=1 for the builds), so it can only call targets and flags that exist.
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { parse } from 'yaml'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { make, run } from '../helpers/run.ts'
import { STANDIN_BIN } from '../helpers/standins.ts'
import { tempDir } from '../helpers/tmp.ts'
import { lintWorkflow, type PinnedAction } from './workflow-lint.ts'
import { BASE_DOCKERFILE_SHA256, DEFAULT_BASE_TAG } from '../../lib/build/plan.ts'

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> }
const WORKFLOW = join(REPO, 'templates/github/workflows/publish.yml')
const text = readFileSync(WORKFLOW, 'utf8')
const wf = parse(text)
const ACTIONS = JSON.parse(readFileSync(join(REPO, 'templates/github/actions.json'), 'utf8')) as Record<
  string,
  PinnedAction
>
const jobSteps = (id: string): Step[] => wf.jobs[id].steps
const makeSteps = (id: string) => jobSteps(id).filter((s) => s.run?.includes('make '))
const at = (id: string, target: string) =>
  makeSteps(id).findIndex((s) => new RegExp(`make -C "\\$OPS" ${target}\\b`).test(s.run!))

test('the workflow lint passes on the shipped workflow', () => {
  assert.equal(lintWorkflow(text, ACTIONS), [])
})

test('the lint catches what it is for (each edit breaks the shipped workflow one way)', () => {
  const cases: [string, string | RegExp, string, RegExp][] = [
    ['a tag instead of a commit', /actions\/checkout@\S+ # v7\.0\.1/, 'actions/checkout@v7', /not pinned to 3d3c42e5/],
    ['another commit', '820762786026740c76f36085b0efc47a31fe5020', 'a'.repeat(40), /not pinned to 82076278/],
    ['the wrong tag comment', '# v10.0.1', '# v10', /needs the comment "# v10\.0\.1"/],
    [
      'an action not in actions.json',
      'actions/setup-node@',
      'someone/setup-node@',
      /someone\/setup-node is not in actions\.json/,
    ],
    [
      'an input the action lacks',
      'enable-cache: true',
      'enable-cache: true\n          cache-everything: true',
      /has no input cache-everything/,
    ],
    [
      'an expression in run:',
      'run: make -C "$OPS" setup',
      'run: make -C "$OPS" setup ${{ github.head_ref }}',
      /an expression inside run:/,
    ],
    ['pull_request_target', '  pull_request:\n', '  pull_request_target:\n', /pull_request_target runs untrusted code/],
    ['no timeout', '    timeout-minutes: 30\n', '', /no timeout-minutes/],
    [
      'a secret for the whole job',
      '      CI: "true"\n',
      '      CI: "true"\n      TOKEN: ${{ secrets.GITHUB_TOKEN }}\n',
      /a secret for every step/,
    ],
    [
      'a branch with a free comment',
      /actions\/setup-node@\S+ # v7\.0\.0/,
      'evil/act@main # TODO pin',
      /evil\/act is not in actions\.json/,
    ],
    ['an unknown context', "vars.KTRDR_OPS_REF || 'main'", "varz.KTRDR_OPS_REF || 'main'", /no context varz/],
  ]
  for (const [what, from, to, want] of cases) {
    const broken = text.replace(from, to)
    assert.is.not(broken, text, `${what}: the edit applies`)
    const problems = lintWorkflow(broken, ACTIONS)
    assert.ok(
      problems.some((p) => want.test(p)),
      `${what}: ${JSON.stringify(problems)}`,
    )
  }
})

test('pull requests run the checks and push nothing; pushes to main publish', () => {
  assert.equal(Object.keys(wf.on), ['push', 'pull_request'])
  assert.equal(wf.on.push.branches, ['main'])
  assert.equal(wf.permissions, { contents: 'read' })
  assert.is(wf.jobs.check.if, "github.event_name == 'pull_request'")
  assert.equal(wf.jobs.check.permissions, { contents: 'read' })
  assert.is(wf.jobs.images.if, "github.event_name == 'push'")
  assert.equal(wf.jobs.images.permissions, { contents: 'read', packages: 'write' })
  const check = ['setup', 'deps-check', 'build-base', 'build-backend', 'build-worker'].map((t) => at('check', t))
  assert.ok(
    check.every((i, n) => i === n),
    `check: in this order: ${check}`,
  )
  for (const s of makeSteps('check')) {
    assert.not.match(s.run!, 'PUSH=1', `${s.name}: a pull request pushes nothing`)
    assert.not.ok(s.env, `${s.name}: no secret in a pull request's steps`)
  }
  for (const id of ['check', 'images']) assert.is(wf.jobs[id].env.CI, 'true')
})

test("one uv version everywhere: setup-uv in both jobs is Dockerfile.base's UV_VERSION", () => {
  const base = /^ARG UV_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, 'templates/Dockerfile.base'), 'utf8'))?.[1]
  assert.ok(base, 'Dockerfile.base pins uv')
  for (const id of ['check', 'images']) {
    const uv = jobSteps(id).find((s) => s.uses?.startsWith('astral-sh/setup-uv@'))
    assert.is(uv?.with?.version, base, id)
    assert.is(String(uv?.with?.['enable-cache']), 'true', `${id}: uv's cache`)
  }
})

test('main: deps-check, the base and db published when their tags are new, services pushed with cache', () => {
  const order = ['setup', 'deps-check', 'build-base', 'build-db', 'build-backend', 'build-worker'].map((t) =>
    at('images', t),
  )
  assert.ok(
    order.every((i, n) => i === n),
    `images: in this order: ${order}`,
  )
  assert.match(makeSteps('images')[at('images', 'build-base')]!.run!, 'PUSH=1 IF_ABSENT=1')
  assert.match(makeSteps('images')[at('images', 'build-db')]!.run!, 'PUSH=1 IF_ABSENT=1')
  const cacheStep = jobSteps('images').find((s) => s.run?.includes('GITHUB_ENV'))!
  assert.is(cacheStep.run, 'echo "CACHE_TAG=sha-$(git -C "$APP" rev-parse --short=7 HEAD^)" >> "$GITHUB_ENV"')
  assert.is(jobSteps('images')[0]!.with!['fetch-depth'], 2, 'HEAD^ is there')
  for (const t of ['build-base', 'build-db', 'build-backend', 'build-worker']) {
    const s = makeSteps('images')[at('images', t)]!
    assert.match(s.run!, 'PUSH=1')
    assert.match(s.run!, 'SECRETS_PROVIDER=env')
    if (t === 'build-backend' || t === 'build-worker') assert.match(s.run!, 'CACHE_FROM="$CACHE_TAG"')
    assert.not.match(s.run!, 'TAG=sha', 'default tag: sha-<short>')
    assert.is(s.env!.REGISTRY_PASSWORD, '${{ secrets.GITHUB_TOKEN }}')
  }
  assert.not.ok(
    Object.values(wf.jobs).some((j) => (j as { steps: Step[] }).steps.some((s) => s.run?.includes('docker login'))),
    'logins only through make',
  )
})

test('a changed Dockerfile.base needs a new base tag (CI publishes a tag only once)', () => {
  const sha = createHash('sha256')
    .update(readFileSync(join(REPO, 'templates/Dockerfile.base')))
    .digest('hex')
  assert.is(
    sha,
    BASE_DOCKERFILE_SHA256,
    `templates/Dockerfile.base changed: bump DEFAULT_BASE_TAG (${DEFAULT_BASE_TAG} → the next py3.13-vN) and set ` +
      `BASE_DOCKERFILE_SHA256 to ${sha} in lib/build/plan.ts`,
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
  for (const s of [...makeSteps('check'), ...makeSteps('images')]) {
    const line = s.run!.replace(/build-(base|db|backend|worker)/, '$& DRY_RUN=1').replace('"$CACHE_TAG"', 'sha-0000000')
    const r = run('bash', ['-c', line], {
      env: { ...env, ...Object.fromEntries(Object.keys(s.env ?? {}).map((k) => [k, env[k as keyof typeof env]])) },
    })
    assert.is(r.code, 0, `${s.name}: ${r.stderr}`)
    if (/build-(backend|worker).*PUSH=1/.test(line)) {
      assert.match(r.stdout, new RegExp(`would run: docker push ghcr\\.io/ktrdr/ktrdr-(backend|worker):sha-${short}`))
      assert.match(r.stdout, 'Log in to ghcr.io as octocat')
      assert.match(r.stdout, /--cache-from ghcr\.io\/ktrdr\/ktrdr-(backend|worker):sha-0000000/)
    }
    if (/IF_ABSENT=1/.test(line))
      assert.match(
        r.stdout,
        line.includes('build-db')
          ? 'would ask the registry for ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17'
          : 'would ask the registry for ghcr.io/ktrdr/ktrdr-base:py3.13-v1',
      )
  }
})

test.run()
