// e2e in the lab: base, backend and worker built from the templates by the workstation's engine, pushed to
// the lab registry (TLS, token auth), pulled by a lab host, and the running container's revision label
// checked against the app checkout's HEAD.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { quote } from 'zx'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'
import { GOOD_TAG, LAB_CONFIG, LAB_DIR, REGISTRY_HOST as REGISTRY, registryPassword } from '../helpers/lab.ts'
import { make, run } from '../helpers/run.ts'
import { STANDIN_BIN } from '../helpers/standins.ts'
import { tempDir } from '../helpers/tmp.ts'

const VAULT = join(LAB_DIR, 'op/vault.json')
const labConfig = () => LAB_CONFIG

function host(name: string, script: string) {
  return run('ssh', ['-F', join(LAB_DIR, 'ssh/ssh_config'), `root@${name}.internal`, 'bash', '-s'], {
    input: `set -euo pipefail\n${script}\n`,
    timeout: 300_000,
  })
}

test('lab: build base/backend/worker, push with auth, pull on ktrdr-workers-b, revision label = HEAD', () => {
  const app = tempDir('ktrdr-e2e-app-')
  cpSync(join(REPO, 'examples/ktrdr-app'), app, { recursive: true })
  const git = (...a: string[]) =>
    spawnSync('git', ['-C', app, '-c', 'user.email=e2e@example.org', '-c', 'user.name=e2e', ...a], {
      encoding: 'utf8',
    }).stdout.trim()
  git('init', '-q')
  git('add', '-A')
  git('commit', '-qm', `e2e ${Date.now()}`)
  const head = git('rev-parse', 'HEAD')
  const tag = `sha-${git('rev-parse', '--short=7', 'HEAD')}`
  const config = labConfig()
  const env = { PATH: `${STANDIN_BIN}:${process.env.PATH}`, OP_STANDIN_VAULT: VAULT }
  const vars = { APP: app, CONFIG: config, PUSH: '1' }
  const refs = { backend: `${REGISTRY}/ktrdr/ktrdr-backend:${tag}`, worker: `${REGISTRY}/ktrdr/ktrdr-worker:${tag}` }
  const password = registryPassword()
  const dockerCfgBefore = existsSync(join(homedir(), '.docker/config.json'))
    ? readFileSync(join(homedir(), '.docker/config.json'), 'utf8')
    : undefined

  const local = make('build-backend', vars, { env: { ...env, CI: undefined } })
  assert.is(local.code, 2, 'without CI the sha tag is refused')
  assert.match(local.stderr, `refusing to build ${tag} outside CI`)
  assert.is.not(run('docker', ['image', 'inspect', refs.backend]).code, 0, 'nothing was built')

  const ci = { env: { ...env, CI: '1' }, timeout: 600_000 }
  const base = make(
    'build-base',
    { CONFIG: config, PUSH: '1', BASE_IMAGE: 'ktrdr-lab/python:3.13', INSTALL_UV: '0' },
    ci,
  )
  assert.is(base.code, 0, base.stderr)
  // CI publishes the base only when its tag is not in the registry yet (a changed Dockerfile gets a new tag).
  const baseVars = { CONFIG: config, PUSH: '1', BASE_IMAGE: 'ktrdr-lab/python:3.13', INSTALL_UV: '0', IF_ABSENT: '1' }
  const again = make('build-base', baseVars, ci)
  assert.is(again.code, 0, again.stderr)
  assert.match(again.stdout, `image: ${REGISTRY}/ktrdr/ktrdr-base:py3.13-v1 is in the registry already: not built`)
  assert.not.match(again.stdout, /Built /)
  const fresh = `py3.13-e2e${Date.now()}`
  const first = make('build-base', { ...baseVars, TAG: fresh }, ci)
  assert.is(first.code, 0, first.stderr)
  assert.match(first.stdout, `${REGISTRY}/ktrdr/ktrdr-base:${fresh} is not in the registry yet`)
  assert.match(first.stdout, `pushed to ${REGISTRY}`)
  run('docker', ['rmi', `${REGISTRY}/ktrdr/ktrdr-base:${fresh}`])
  const noPush = make('build-base', { CONFIG: config, IF_ABSENT: '1' }, ci)
  assert.is.not(noPush.code, 0)
  assert.match(noPush.stderr, '--if-absent asks the registry before a push: pass --push too')
  for (const kind of ['backend', 'worker'] as const) {
    // The worker reuses the layers of an earlier image of its repository (BuildKit's registry cache).
    const r = make(`build-${kind}`, kind === 'worker' ? { ...vars, CACHE_FROM: GOOD_TAG } : vars, ci)
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, `image: ${refs[kind]}`)
    assert.match(r.stdout, `revision: ${head}`)
    assert.match(r.stdout, `pushed to ${REGISTRY}`)
    assert.not.ok((r.stdout + r.stderr).includes(password), 'password never printed')
  }
  const after = existsSync(join(homedir(), '.docker/config.json'))
    ? readFileSync(join(homedir(), '.docker/config.json'), 'utf8')
    : undefined
  assert.is(after, dockerCfgBefore, '~/.docker/config.json untouched')
  assert.equal(
    readdirSync('/dev/shm').filter((f) => f.startsWith('ktrdr-docker-')),
    [],
    'throwaway DOCKER_CONFIG removed',
  )

  const anon = host(
    'ktrdr-workers-b',
    `export DOCKER_CONFIG=$(mktemp -d /dev/shm/e2e.XXXXXX); trap 'rm -rf "$DOCKER_CONFIG"' EXIT\n` +
      `docker pull ${refs.worker}`,
  )
  assert.is.not(anon.code, 0)
  assert.match(anon.stderr, /no basic auth credentials|unauthorized/, 'the registry demands auth')

  const name = `ktrdr-e2e-${Date.now()}`
  const r = host(
    'ktrdr-workers-b',
    [
      'export DOCKER_CONFIG=$(mktemp -d /dev/shm/e2e.XXXXXX)',
      `trap 'docker rm -f ${name}-backend ${name}-worker >/dev/null 2>&1 || true; ` +
        `docker rmi ${refs.backend} ${refs.worker} >/dev/null 2>&1 || true; ` +
        `rm -rf "$DOCKER_CONFIG"' EXIT`,
      `export REGISTRY_PASSWORD=${quote(password)}`,
      `printf '%s' "$REGISTRY_PASSWORD" | docker login ${REGISTRY} --username ktrdr-ci --password-stdin >/dev/null`,
      ...(['backend', 'worker'] as const).flatMap((k) => [
        `docker pull -q ${refs[k]} >/dev/null`,
        `docker run -d --name ${name}-${k} ${refs[k]} python -c 'import time; time.sleep(120)' >/dev/null`,
        `echo "${k} $(docker inspect --format '` +
          `{{index .Config.Labels "org.opencontainers.image.revision"}} {{.State.Running}} ` +
          `{{.Config.User}}' ${name}-${k})"`,
      ]),
    ].join('\n'),
  )
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout.trim(), `backend ${head} true ktrdr\nworker ${head} true ktrdr`)
  run('docker', ['rmi', refs.backend, refs.worker])
})

test('lab: build-db FROM the lab pin, pushed with auth, pgBackRest in it; IF_ABSENT=1 keeps the pin-tagged one', () => {
  const env = { PATH: `${STANDIN_BIN}:${process.env.PATH}`, OP_STANDIN_VAULT: VAULT, CI: '1' }
  const tag = `e2e-${Date.now()}`
  const ref = `${REGISTRY}/ktrdr/ktrdr-db:${tag}`
  const r = make('build-db', { CONFIG: labConfig(), PUSH: '1', TAG: tag }, { env, timeout: 600_000 })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, `image: ${ref}`)
  assert.match(r.stdout, `pushed to ${REGISTRY}`)
  const v = run('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'pgbackrest', ref, 'version'])
  assert.is(v.code, 0, v.stderr)
  assert.match(v.stdout, /^pgBackRest 2\.\d+/)
  run('docker', ['rmi', ref])
  // The pin's own tag is what the core runs (lab-up pushed it, as the homelab's CI would): not built again.
  const again = make('build-db', { CONFIG: labConfig(), PUSH: '1', IF_ABSENT: '1' }, { env, timeout: 120_000 })
  assert.is(again.code, 0, again.stdout + again.stderr)
  assert.match(again.stdout, `image: ${REGISTRY}/ktrdr/ktrdr-db:2.19.3-pg17 is in the registry already: not built`)
})

test("lab: a wrong registry password fails the push with docker's reason; nothing left in tmpfs", () => {
  const app = tempDir('ktrdr-e2e-app-')
  cpSync(join(REPO, 'examples/ktrdr-app'), app, { recursive: true })
  spawnSync('git', ['init', '-q', app])
  spawnSync('git', [
    '-C',
    app,
    '-c',
    'user.email=e2e@example.org',
    '-c',
    'user.name=e2e',
    'commit',
    '-qm',
    'x',
    '--allow-empty',
  ])
  const wrong = 'not-the-password-Zq9'
  const r = make(
    'build-worker',
    { APP: app, CONFIG: labConfig(), TAG: 'e2e-badpass', PUSH: '1', SECRETS_PROVIDER: 'env' },
    { env: { REGISTRY_PASSWORD: wrong, CI: undefined }, timeout: 300_000 },
  )
  assert.is(r.code, 2)
  assert.match(r.stderr, `docker login to ${REGISTRY} as ktrdr-ci failed`)
  assert.match(r.stderr, /unauthorized|401/)
  assert.not.ok((r.stdout + r.stderr).includes(wrong), 'password never printed')
  assert.equal(
    readdirSync('/dev/shm').filter((f) => f.startsWith('ktrdr-docker-')),
    [],
  )
  run('docker', ['rmi', `${REGISTRY}/ktrdr/ktrdr-worker:e2e-badpass`])
})

test.run()
