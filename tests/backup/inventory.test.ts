// Parsing the backups directory: verified only with a valid manifest naming a present dump of the same size.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { newestVerified, parseInventory } from '../../lib/backup/inventory.ts'
import { compareWithManifest } from '../../lib/backup/manifest.ts'
import { statusVerdict } from '../../lib/backup/status.ts'
import { chooseBackup } from '../../lib/restore/choose.ts'
import { drillRecordScript } from '../../lib/backup/drills.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { registerSecret } from '../../lib/redactor.ts'

const sha = 'a'.repeat(64)
const manifest = (base: string, time: string, size: number) =>
  JSON.stringify({
    format: 'ktrdr-backup/1',
    kind: 'daily',
    time,
    host: 'ktrdr-core',
    server: { server_version: '17.12 (Debian)', server_version_num: 170012, timescaledb: '2.19.3', database: 'ktrdr' },
    hypertables: [{ table: 'public.bars', chunks: 5 }],
    tables: [{ table: 'public.bars', rows: 10, checksum: '42' }],
    checksum_algorithm: 'x',
    dump: { file: `${base}.dump`, size, sha256: sha, format: 'custom', compression: 'zstd:3' },
    roles: { file: `${base}.roles.sql`, size: 5, sha256: sha },
  })
const out = [
  '::ktrdr file 100 ktrdr-20261126T020000Z.dump',
  '::ktrdr file 5 ktrdr-20261126T020000Z.roles.sql',
  `::ktrdr manifest ktrdr-20261126T020000Z.manifest.json ` +
    `${manifest('ktrdr-20261126T020000Z', '2026-11-26T02:00:01Z', 100)}`,
  '::ktrdr file 50 ktrdr-20261127T020000Z.dump',
  '::ktrdr file 5 ktrdr-20261127T020000Z.roles.sql',
  `::ktrdr manifest ktrdr-20261127T020000Z.manifest.json ` +
    `${manifest('ktrdr-20261127T020000Z', '2026-11-27T02:00:01Z', 100)}`,
  '::ktrdr file 70 ktrdr-20261127T030000Z.dump',
  '::ktrdr file 900 ktrdr-20261101.sql.gz',
  '::ktrdr file 1 notes.txt',
].join('\n')

test('verified, truncated, manifest-less and legacy entries', () => {
  const e = parseInventory(out)
  const by = (f: string) => e.find((x) => x.file === f)!
  assert.ok(by('ktrdr-20261126T020000Z.dump').verified)
  assert.match(by('ktrdr-20261127T020000Z.dump').problem!, /size 50 differs from the manifest's 100/)
  assert.match(by('ktrdr-20261127T030000Z.dump').problem!, /no manifest/)
  assert.is(by('ktrdr-20261101.sql.gz').kind, 'legacy')
  assert.is(e.length, 4)
  assert.is(newestVerified(e)!.file, 'ktrdr-20261126T020000Z.dump')
})

test('status: CRITICAL past the limit, OK within it', () => {
  const e = parseInventory(out)
  assert.ok(statusVerdict(e, 26, new Date('2026-11-27T00:00:00Z')).ok)
  const v = statusVerdict(e, 26, new Date('2026-11-28T12:00:00Z'))
  assert.not.ok(v.ok)
  assert.match(v.line, /^CRITICAL: newest verified backup ktrdr-20261126T020000Z\.dump: 2\.4 d old/)
  assert.match(statusVerdict([], 26, new Date()).line, /no verified backup/)
})

test('compare: rows, checksums, missing tables, hypertables that are no longer hypertables', () => {
  const m = {
    tables: [
      { table: 'a', rows: 1, checksum: '1' },
      { table: 'b', rows: 2, checksum: '2' },
    ],
    hypertables: [{ table: 'b', chunks: 3 }],
  }
  const ok = compareWithManifest(m, {
    server: {} as never,
    tables: [
      { table: 'a', rows: 1, checksum: '1' },
      { table: 'b', rows: 2, checksum: '2' },
    ],
    hypertables: [{ table: 'b', chunks: 3 }],
  })
  assert.is(ok.mismatches, 0)
  const bad = compareWithManifest(m, {
    server: {} as never,
    tables: [
      { table: 'a', rows: 1, checksum: '9' },
      { table: 'c', rows: 0, checksum: '0' },
    ],
    hypertables: [],
  })
  assert.is(bad.mismatches, 4)
})

test('a backup whose last drill failed is not verified; a drill may take it again by name, nothing else may', () => {
  const drill = (result: string, time: string) =>
    `::ktrdr drill ${JSON.stringify({ time, file: 'ktrdr-20261126T020000Z.dump', result, detail: 'rows differ' })}`
  const failed = parseInventory(
    `${out}\n${drill('passed', '2026-11-26T05:00:00Z')}\n${drill('failed', '2026-11-27T05:00:00Z')}`,
  )
  const e = failed.find((x) => x.file === 'ktrdr-20261126T020000Z.dump')!
  assert.not.ok(e.verified)
  assert.match(e.problem!, 'its last restore drill failed (2026-11-27T05:00:00Z): rows differ')
  assert.is(newestVerified(failed), undefined)
  assert.throws(() => chooseBackup(failed, e.file, '/d'), /not a verified backup/)
  assert.is(chooseBackup(failed, e.file, '/d', { redrill: true }), e)
  // An error (the drill could not finish) or a later pass leaves it verified; a damaged drill line is no drill.
  for (const tail of [
    drill('error', '2026-11-27T05:00:00Z'),
    `${drill('failed', '2026-11-27T05:00:00Z')}\n${drill('passed', '2026-11-28T05:00:00Z')}`,
    '::ktrdr drill {not json',
  ])
    assert.ok(parseInventory(`${out}\n${tail}`).find((x) => x.file === e.file)!.verified, tail)
})

test("a drill's recorded detail never holds a registered secret, even cut in part", () => {
  registerSecret('drill-s3cr3t-value')
  const parts = drillRecordScript(loadConfig('infra/homelab'), {
    time: '2026-12-02T00:00:00Z',
    file: 'ktrdr-20261126T020000Z.dump',
    result: 'error',
    detail: `${'x'.repeat(280)} password drill-s3cr3t-value here`,
  })
  const text = parts.body.join('\n')
  assert.match(text, 'drill_line=')
  assert.not.match(text, 'drill-s3cr')
})

test.run()
