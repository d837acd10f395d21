// make restore refuses a database name that is not a plain identifier before it reaches any host (the name
// goes into SQL and into backup file names).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { make } from '../helpers/run.ts'

test('make restore DATABASE=<not an identifier> → a clear refusal, nothing contacted', () => {
  const r = make('restore', { DATABASE: 'ktrdr-prod"; DROP', YES: '1' })
  assert.is.not(r.code, 0)
  assert.match(
    r.stderr,
    '--database "ktrdr-prod\\"; DROP": a restore replaces a database named by a plain lower-case identifier',
  )
  assert.match(r.stderr, 'hint: pass the database name as PostgreSQL stores it')
  assert.not.match(r.stdout + r.stderr, 'backups in')
})

test.run()
