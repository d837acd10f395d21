// A change of the db pin (lib/db-pin): the PostgreSQL major read off an image's tag, and what the check and
// the TimescaleDB update send, by their exact text, from the shipped homelab config.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/config/load.ts'
import { DB_PIN_LIB, dbPinCheckScript, pgMajorOf, tsdbUpdateScript } from '../../lib/db-pin/run.ts'
import { HOMELAB } from '../helpers/config-copy.ts'

const cfg = loadConfig(HOMELAB)
const VARS = [
  'project=ktrdr-core',
  'compose_path=/opt/ktrdr-core/docker-compose.core.yml',
  'volume=ktrdr-core_dbdata',
  'db_user=ktrdr',
]

test("the PostgreSQL major from the tag: timescale's forms, postgres's own, and none when the tag does not say", () => {
  for (const [image, major] of [
    ['timescale/timescaledb:2.19.3-pg17', 17],
    ['timescale/timescaledb:2.17.2-pg16', 16],
    ['registry.internal:5000/ktrdr-lab/timescaledb:2.19.3-pg17', 17],
    ['timescale/timescaledb-ha:pg17.4-ts2.19.3', 17],
    ['postgres:17.2', 17],
    ['postgres:16-alpine', 16],
    ['library/postgres:15', 15],
  ] as const)
    assert.is(pgMajorOf(image), major, image)
  for (const image of ['timescale/timescaledb:latest-pg', 'timescale/timescaledb@sha256:' + 'a'.repeat(64), 'mydb:2.1'])
    assert.is(pgMajorOf(image), undefined, image)
})

test('the check: the new image and its major; the update: in the db container', () => {
  const c = dbPinCheckScript(cfg, 'ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17', 17)
  assert.equal(c.lib, DB_PIN_LIB)
  assert.equal(DB_PIN_LIB, ['job/mount.sh', 'job/lock.sh', 'backup/backup.sh', 'db-pin/db-pin.sh'])
  assert.equal(c.body, [...VARS, 'new_image=ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17', 'new_major=17', 'db_pin_check'])
  assert.equal(dbPinCheckScript(cfg, '', undefined).body.slice(-3), ["new_image=$''", "new_major=$''", 'db_pin_check'])
  assert.equal(tsdbUpdateScript(cfg).body, [...VARS, 'db_container', 'tsdb_update'])
})

test.run()
