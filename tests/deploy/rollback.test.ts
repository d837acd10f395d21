// Deploys you can undo, on the lab through the make targets: deploy A, deploy B, `make rollback` → A's compose
// bytes and digests on the host; again with the registry stopped; a tag pushed again changes nothing running
// until the next deploy; records kept and images pruned to keep_records; bad TO=, damaged and hand-edited
// records refused with nothing changed; nothing to roll back to said so.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import {
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  hostPath,
  LAB_CONFIG,
  LAB_DIR,
  labSecrets,
  onHost,
  pushWorkerVariant,
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'

const C = HOSTS.c
const TAG_B = 'sha-e2e0002'
const dir = `/opt/${C}`
const composeFile = hostPath(C, `${dir}/docker-compose.workers.yml`)
const records = () => hostPath(C, `${dir}/deploys`)
const compose = () => readFileSync(composeFile, 'utf8')
const { run, output } = recordingMake()
const ok = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, r.stdout + r.stderr)

/** service → [container id, image reference] of node C's workers, sorted by service. */
const running = () => {
  const ids = hostDocker(C, 'ps', '-q', '--filter', 'label=com.docker.compose.project=ktrdr-workers-c').stdout
  const format = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Config.Image}}'
  return hostDocker(C, 'inspect', '-f', format, ...ids.split('\n').filter(Boolean))
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .sort()
}
const images = () => running().map((l) => l.split(' ')[2]!)
const lastAudit = () =>
  readFileSync(hostPath(C, `${dir}/deploy-audit.log`), 'utf8')
    .trim()
    .split('\n')
    .at(-1)!

let composeA = ''
let imagesA: string[] = []

test.before(() => {
  ensureAppImages()
  pushWorkerVariant(TAG_B)
})

test("deploy A, deploy B, make rollback NODE=C: A's compose bytes and digests, audited as a rollback", () => {
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
  composeA = compose()
  imagesA = images()
  assert.ok(imagesA.length === 2 && imagesA.every((i) => /@sha256:[0-9a-f]{64}$/.test(i)), imagesA.join('\n'))
  ok(run('deploy-workers', { NODE: 'C', TAG: TAG_B }))
  assert.not.equal(images(), imagesA)
  const r = run('rollback', { NODE: 'C' })
  ok(r)
  assert.match(r.stdout, new RegExp(`node C: from #\\d+ ${TAG_B} complete`))
  assert.match(r.stdout, new RegExp(`back to #\\d+ ${GOOD_TAG} complete`))
  assert.match(r.stdout, 'images were current: no login, no pull')
  assert.is(compose(), composeA, "the compose file is A's, byte for byte")
  assert.equal(images(), imagesA)
  assert.match(lastAudit(), ` tag=${GOOD_TAG} services=worker-1,worker-2 action=rollback result=ok`)
  const listed = run('deploys', { NODE: 'C' })
  ok(listed)
  assert.match(listed.stdout, new RegExp(`#\\d+ ${GOOD_TAG} complete \\(ok\\) .* a rollback to #\\d+  ← current`))
  assert.match(listed.stdout, new RegExp(`#\\d+ ${TAG_B} complete \\(ok\\) .*← make rollback returns here`))
})

test('with the registry stopped, a rollback to images the host holds still works', () => {
  const pid = readFileSync(join(LAB_DIR, 'registry/registry.pid'), 'utf8').trim()
  spawnSync('kill', ['-STOP', pid])
  try {
    const r = run('rollback', { NODE: 'C' })
    ok(r)
    assert.match(compose(), `# ktrdr-tag: ${TAG_B}`)
  } finally {
    spawnSync('kill', ['-CONT', pid])
  }
})

test('a tag pushed again with a new image changes nothing running until the next deploy', () => {
  const before = running()
  pushWorkerVariant(TAG_B, 'pushed again')
  // What an operator (or a reboot) might do on the host: pull, restart. The file pins the digest: no change.
  // (`up` by hand would recreate them anyway: the secrets come from the deploying shell, docs/deploy.md.)
  const dc = `docker compose -f ${dir}/docker-compose.workers.yml`
  const pulled = onHost(C, ['sh', '-c', `${dc} pull -q && ${dc} restart`])
  assert.is(pulled.code, 0, pulled.stderr)
  assert.equal(running(), before)
  assert.not.match(compose(), `ktrdr-worker:${TAG_B}`)
  ok(run('deploy-workers', { NODE: 'C', TAG: TAG_B }))
  assert.not.equal(
    images(),
    before.map((l) => l.split(' ')[2]!),
    'the next deploy moves to the new digest',
  )
})

test('records and images are kept to keep_records: an image no kept record names is pruned', () => {
  const old = images()[0]! // TAG_B's newest digest, named by the newest record only
  const cfg = configCopy([{ file: 'stack-config.yml', from: /$/, to: '\ndeploys:\n  keep_records: 2\n' }], LAB_CONFIG)
  try {
    ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG, CONFIG: cfg }))
    // A replica stopped: the next deploy of the same tag runs in full (a host already running exactly it would
    // be left as it is, with no new record) and writes its record.
    hostDocker(C, 'stop', '-t', '1', 'ktrdr-workers-c-worker-2-1')
    ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG, CONFIG: cfg }))
    const files = spawnSync('ls', [records()], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f.endsWith('.json'))
    assert.is(files.length, 2, files.join(' '))
    const named = files.map((f) => readFileSync(join(records(), f.replace(/json$/, 'images')), 'utf8'))
    for (const i of images())
      assert.ok(
        named.every((n) => n.includes(i)),
        `${i} is named by both kept records`,
      )
    assert.ok(
      named.every((n) => !n.includes(old)),
      `${old} is named by no kept record`,
    )
    assert.is.not(hostDocker(C, 'image', 'inspect', old).code, 0, `${old} is named by no kept record: pruned`)
    for (const i of images()) assert.is(hostDocker(C, 'image', 'inspect', i).code, 0, `${i} is running and kept`)
  } finally {
    rmSync(cfg, { recursive: true, force: true })
  }
})

test('bad input: TO= naming no record, a damaged or hand-edited record: refused, nothing changed', () => {
  // Two records now, both GOOD_TAG with the same file: nothing differs to roll back to.
  const before = compose()
  const none = run('rollback', { NODE: 'C' })
  assert.is.not(none.code, 0)
  assert.match(none.stdout + none.stderr, 'node C: nothing to roll back to')
  const missing = run('rollback', { NODE: 'C', TO: '999' })
  assert.is.not(missing.code, 0)
  assert.match(missing.stdout + missing.stderr, 'node C: no deploy record matches TO=999')
  const junk = run('rollback', { NODE: 'C', TO: 'latest' })
  assert.is.not(junk.code, 0)
  assert.match(junk.stdout + junk.stderr, 'TO="latest" names no record')
  ok(run('deploy-workers', { NODE: 'C', TAG: TAG_B }))
  const files = spawnSync('ls', [records()], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => f.endsWith('.json'))
  const target = join(records(), files.at(-2)!) // the one a rollback would return to
  const text = readFileSync(target, 'utf8')
  try {
    writeFileSync(target, text.replace(`"tag":"${GOOD_TAG}"`, `"tag":"sha-e2e0009"`))
    const edited = run('rollback', { NODE: 'C' })
    assert.is.not(edited.code, 0)
    assert.match(edited.stdout + edited.stderr, `deploy record ${files.at(-2)} was edited by hand`)
    writeFileSync(target, text.slice(0, 100))
    const damaged = run('rollback', { NODE: 'C' })
    assert.is.not(damaged.code, 0)
    assert.match(damaged.stdout + damaged.stderr, `deploy record ${files.at(-2)} is damaged: it is not JSON`)
    assert.match(compose(), `# ktrdr-tag: ${TAG_B}`, 'nothing was changed')
  } finally {
    writeFileSync(target, text)
  }
  assert.is.not(compose(), before)
  ok(run('rollback', { NODE: 'C' }))
  assert.is(compose(), before)
})

test('no records on the host: nothing to roll back to, said so, exit non-zero', () => {
  rmSync(records(), { recursive: true, force: true })
  const r = run('rollback', { NODE: 'C' })
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, 'node C: no deploy records on its host: nothing to roll back to')
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
})

test('no secret value in any output of these runs', () => {
  assert.equal(leaksIn(output.join('\n'), labSecrets()), [])
})

test.run()
