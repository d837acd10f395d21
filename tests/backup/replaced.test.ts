// The replaced copies a restore keeps (lib/restore/cleanup.ts): the time in their names, and which ones the
// prune drops past backups.replaced_keep_days (none with 0: restore-cleanup alone).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dueForDrop, stampOf } from '../../lib/restore/cleanup.ts'

test('the stamp in a replaced copy name; anything else is not one', () => {
  assert.equal(stampOf('ktrdr_old_20261127t030000z'), new Date('2026-11-27T03:00:00Z'))
  assert.equal(stampOf('my_db_old_20260101t235959z'), new Date('2026-01-01T23:59:59Z'))
  for (const name of [
    'ktrdr',
    'ktrdr_old_2026112t030000z',
    'ktrdr_restore_20261127t030000z',
    'ktrdr_old_20261399t030000z',
  ])
    assert.is(stampOf(name), undefined, name)
})

test('due: kept longer than keep days; exactly keep days is kept; 0 keeps all', () => {
  const at = (iso: string) => ({ name: 'x', bytes: 1, at: new Date(iso) })
  const now = new Date('2026-12-10T00:00:00Z')
  const old = at('2026-12-02T23:59:59Z')
  const edge = at('2026-12-03T00:00:00Z')
  const fresh = at('2026-12-09T00:00:00Z')
  assert.equal(dueForDrop([old, edge, fresh], now, 7), [old])
  assert.equal(dueForDrop([old, edge, fresh], now, 0), [])
  assert.equal(dueForDrop([old, edge, fresh], now, 1), [old, edge])
})

test.run()
