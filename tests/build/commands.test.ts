// Pure builders by exact output (STYLE: Kamal): argv, registry host, source URL, build-log cache reading.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildSteps, cacheSummary } from '../../lib/build/cache.ts'
import {
  dockerBuildArgs,
  dockerLoginArgs,
  dockerPushArgs,
  registryHost,
  render,
  revisionLabelArgs,
} from '../../lib/build/commands.ts'
import { buildSpec } from '../../lib/build/plan.ts'
import { sourceUrl } from '../../lib/build/tags.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { HOMELAB } from '../helpers/config-copy.ts'

const cfg = loadConfig(HOMELAB)

test('dockerBuildArgs: service image FROM the configured base, labels from build args', () => {
  const spec = buildSpec(cfg, {
    kind: 'worker',
    tag: 'sha-abc1234',
    templates: '/ops/templates',
    app: '/src/ktrdr',
    baseTag: 'py3.13-v1',
    revision: 'abc1234' + '0'.repeat(33),
    source: 'https://github.com/ktrdr/ktrdr',
  })
  assert.equal(dockerBuildArgs(spec), [
    'docker',
    'build',
    '-f',
    '/ops/templates/Dockerfile.worker',
    '-t',
    'ghcr.io/ktrdr/ktrdr-worker:sha-abc1234',
    '--build-arg',
    'BASE=ghcr.io/ktrdr/ktrdr-base:py3.13-v1',
    '--build-arg',
    `REVISION=abc1234${'0'.repeat(33)}`,
    '--build-arg',
    'SOURCE=https://github.com/ktrdr/ktrdr',
    '/src/ktrdr',
  ])
})

test('dockerBuildArgs: CACHE_FROM reuses an earlier image of the same repository and writes inline cache', () => {
  const spec = buildSpec(cfg, {
    kind: 'backend',
    tag: 'sha-abc1234',
    templates: '/ops/templates',
    app: '/src/ktrdr',
    baseTag: 'py3.13-v1',
    revision: 'r',
    source: 's',
    cacheFrom: 'sha-0ld0000',
  })
  assert.equal(dockerBuildArgs(spec).slice(-6), [
    'SOURCE=s',
    '--build-arg',
    'BUILDKIT_INLINE_CACHE=1',
    '--cache-from',
    'ghcr.io/ktrdr/ktrdr-backend:sha-0ld0000',
    '/src/ktrdr',
  ])
})

test('dockerBuildArgs: base passes only the args given', () => {
  const plain = buildSpec(cfg, {
    kind: 'base',
    tag: 'py3.13-v1',
    templates: '/ops/templates',
    app: '/x',
    baseTag: 'unused',
  })
  assert.equal(dockerBuildArgs(plain), [
    'docker',
    'build',
    '-f',
    '/ops/templates/Dockerfile.base',
    '-t',
    'ghcr.io/ktrdr/ktrdr-base:py3.13-v1',
    '/ops/templates',
  ])
  const lab = buildSpec(cfg, {
    kind: 'base',
    tag: 'py3.13-v1',
    templates: '/t',
    app: '/x',
    baseTag: '',
    baseImage: 'ktrdr-lab/python:3.13',
    installUv: '0',
  })
  assert.equal(dockerBuildArgs(lab).slice(6, 10), [
    '--build-arg',
    'BASE_IMAGE=ktrdr-lab/python:3.13',
    '--build-arg',
    'INSTALL_UV=0',
  ])
})

test('login takes the password on stdin only; push; registry host', () => {
  assert.equal(dockerLoginArgs('ghcr.io', 'ktrdr-ci'), [
    'docker',
    'login',
    'ghcr.io',
    '--username',
    'ktrdr-ci',
    '--password-stdin',
  ])
  assert.equal(dockerPushArgs('127.0.0.1:5000/ktrdr/ktrdr-backend:sha-abc1234'), [
    'docker',
    'push',
    '127.0.0.1:5000/ktrdr/ktrdr-backend:sha-abc1234',
  ])
  assert.equal(revisionLabelArgs('r:t'), [
    'docker',
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{with .Config.Labels}}{{index . "org.opencontainers.image.revision"}}{{end}}',
    'r:t',
  ])
  assert.is(registryHost('ghcr.io/ktrdr'), 'ghcr.io')
  assert.is(registryHost('127.0.0.1:5000/ktrdr'), '127.0.0.1:5000')
  assert.is(
    render(['docker', 'build', '--build-arg', "SOURCE=it's here"]),
    "docker build --build-arg $'SOURCE=it\\'s here'",
  )
})

test('sourceUrl: remotes become https repository URLs without credentials; local paths give nothing', () => {
  assert.is(sourceUrl('git@github.com:ktrdr/ktrdr.git'), 'https://github.com/ktrdr/ktrdr')
  assert.is(sourceUrl('ssh://git@github.com/ktrdr/ktrdr.git'), 'https://github.com/ktrdr/ktrdr')
  assert.is(sourceUrl('https://x-access-token:ghs_secret@github.com/ktrdr/ktrdr.git'), 'https://github.com/ktrdr/ktrdr')
  assert.is(sourceUrl('https://github.com/ktrdr/ktrdr/'), 'https://github.com/ktrdr/ktrdr')
  assert.is(sourceUrl('/home/me/ktrdr'), undefined)
  assert.is(sourceUrl('file:///home/me/ktrdr'), undefined)
  assert.is(sourceUrl(undefined), undefined)
})

const LEGACY = `Step 1/12 : ARG BASE=ktrdr-base:py3.13-v1
Step 2/12 : FROM \${BASE}
 ---> 1a2b3c
Step 3/12 : WORKDIR /app
 ---> Using cache
 ---> 4d5e6f
Step 4/12 : COPY requirements.lock.txt ./
 ---> Using cache
Step 5/12 : RUN if grep -Eq '^[A-Za-z0-9]' requirements.lock.txt; then pip install; fi
 ---> Using cache
Step 6/12 : COPY ktrdr/ ./ktrdr/
 ---> 7a8b9c
Step 7/12 : LABEL org.opencontainers.image.revision=abc
 ---> Running in 0f0f0f`

const BUILDKIT = `#5 [1/5] FROM docker.io/library/python:3.13-slim
#5 CACHED
#6 [2/5] COPY requirements.lock.txt ./
#6 CACHED
#7 [3/5] RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock.txt
#7 CACHED
#8 [4/5] COPY ktrdr/ ./ktrdr/
#8 DONE 0.1s`

test('build logs: cached steps and the dependency layer, legacy builder and BuildKit', () => {
  assert.equal(
    buildSteps(LEGACY).map((s) => s.cached),
    [false, false, true, true, true, false, false],
  )
  assert.is(cacheSummary(LEGACY), '3/5 steps from cache; dependency layer: from cache')
  assert.is(cacheSummary(BUILDKIT), '2/3 steps from cache; dependency layer: from cache')
  assert.is(
    cacheSummary(LEGACY.replace(/(Step 5\/12.*\n) ---> Using cache/, '$1 ---> Running in 1')),
    '2/5 steps from cache; dependency layer: rebuilt',
  )
})

test.run()
