// The workstation's copy of every deploy's record (lib/records/workstation.ts), through make on the lab: a
// deploy appends one line per host (tag, registry digests, services, operator, result; no secret), recover-worker
// without TAG deploys what the record says node B ran, and make status tells what an unreachable host ran.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import { ensureAppImages, GOOD_TAG, HOSTS, LAB_CONFIG, labMake, labSecrets } from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'
import type { DeployRecord } from '../../lib/records/workstation.ts'

const dirs: string[] = []
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ktrdr-state-'))
  dirs.push(d)
  return d
}
const state = stateDir()
const records = (dir = state): DeployRecord[] =>
  readFileSync(join(dir, 'deploys.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as DeployRecord)

test.before(() => ensureAppImages())
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

test('make deploy-workers keeps the record on this workstation: tag, digests, services, result; no secret', () => {
  const r = labMake(
    'deploy-workers',
    { NODE: 'B', TAG: GOOD_TAG },
    { KTRDR_STATE_DIR: state, KTRDR_OPERATOR: 'rec@test' },
  )
  assert.is(r.code, 0, r.stdout + r.stderr)
  const all = records()
  assert.is(all.length, 1, JSON.stringify(all))
  const rec = all[0]!
  assert.equal(
    { ...rec, time: '', digests: {} },
    {
      v: 1,
      time: '',
      config: LAB_CONFIG,
      label: 'node B',
      host: HOSTS.b,
      compose_path: '/opt/ktrdr-workers-b/docker-compose.workers.yml',
      job: 'deploy-workers',
      tag: GOOD_TAG,
      services: ['worker-1', 'worker-2', 'worker-3'],
      digests: {},
      operator: 'rec@test',
      result: 'ok',
    },
  )
  assert.ok(Math.abs(Date.parse(rec.time) - Date.now()) < 300_000, rec.time)
  const digests = Object.entries(rec.digests)
  assert.is(digests.length, 1, JSON.stringify(rec.digests))
  assert.match(digests[0]![0], new RegExp(`/ktrdr-worker:${GOOD_TAG}$`))
  assert.match(digests[0]![1], /^sha256:[0-9a-f]{64}$/)
  assert.equal(leaksIn(readFileSync(join(state, 'deploys.jsonl'), 'utf8'), labSecrets()), [])
})

test('recover-worker without TAG deploys the tag the record says node B ran, and says where it came from', () => {
  const r = labMake('recover-worker', { NODE: 'B' }, { KTRDR_STATE_DIR: state })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, `TAG ${GOOD_TAG}: the last successful deploy of node B this workstation recorded: ${GOOD_TAG}`)
  assert.match(r.stdout, `healthy at ${GOOD_TAG}`)
  assert.equal(
    records().map((x) => [x.job, x.result]),
    [
      ['deploy-workers', 'ok'],
      ['deploy-workers', 'ok'],
    ],
  )
})

test('recover-worker without TAG and no record: refused before anything runs, naming the record file', () => {
  const empty = stateDir()
  const r = labMake('recover-worker', { NODE: 'B' }, { KTRDR_STATE_DIR: empty })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'no image tag: pass TAG=sha-<short> (make) or --tag')
  assert.match(r.stderr, `no record of a successful deploy of node B with this config (${empty}/deploys.jsonl)`)
  assert.not.match(r.stdout, /Check ktrdr-workers-b/)
})

test('make status on a host it cannot reach: unreachable, and what this workstation recorded it ran', () => {
  // Node B lost: its address answers no more (no route in the lab's network).
  const cfg = configCopy(
    [
      {
        file: 'stack-config.yml',
        from: /ktrdr-workers-b: \{ address: [^}]*\}/,
        to: 'ktrdr-workers-b: { address: 198.18.99.99, ssh: root@198.18.99.99 }',
      },
    ],
    LAB_CONFIG,
  )
  const dir = stateDir()
  try {
    // The records of that config: one ok, then a newer one that rolled back.
    const base = { ...records()[0]!, config: cfg }
    const lines = [
      { ...base, time: '2026-12-01T10:00:00.000Z' },
      { ...base, time: '2026-12-01T11:00:00.000Z', tag: 'sha-bad0001', result: 'rolled-back' },
    ]
    writeFileSync(join(dir, 'deploys.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`)
    const r = labMake('status', { CONFIG: cfg, NODE: 'B' }, { KTRDR_STATE_DIR: dir })
    assert.is.not(r.code, 0, r.stdout)
    assert.match(r.stdout, `node B (${HOSTS.b}): unreachable`)
    assert.match(
      r.stdout,
      'recorded on this workstation: last deploy sha-bad0001 (worker-1, worker-2, worker-3) ' +
        'at 2026-12-01T11:00:00.000Z',
    )
    assert.match(
      r.stdout,
      `recorded: last successful ${GOOD_TAG} (worker-1, worker-2, worker-3) at 2026-12-01T10:00:00.000Z`,
    )
  } finally {
    rmSync(cfg, { recursive: true, force: true })
  }
})

test.run()
