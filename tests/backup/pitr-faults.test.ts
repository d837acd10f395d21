// Point-in-time recovery's bad days on the lab: the repository's file system full (a 40 MB ext4 on a loop
// device, mounted at the repository's path before the db starts) — the database keeps taking writes and the
// archive catches up once there is room; and the db started over an empty shared mount point (the export not
// mounted) — archiving fails rather than write into the local directory, and catches up once the mount is
// back. Through the real entry points (make deploy-core, make backup) and PostgreSQL's own archiver.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LAB_DIR, sh, world } from './world.ts'

const w = world('pitr-faults', { backendPort: 18152, pitr: { archiveTimeout: 5 } })
const mnt = w.hostBackups.replace(/\/db-backups$/, '')
const repo = `${mnt}/pgbackrest`
const img = join(LAB_DIR, `tmp-pitr-faults-repo-${process.pid}.img`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr
let n = 0
const write = () => w.sql(`INSERT INTO marks VALUES (${++n}, clock_timestamp())`)
const archiver = () => {
  const [failed, last, current] = w
    .sql(
      "SELECT failed_count, coalesce(last_archived_wal, ''), pg_walfile_name(pg_current_wal_lsn()) " +
        'FROM pg_stat_archiver',
    )
    .split('|')
  return { failed: Number(failed), last: last!, current: current! }
}
/** Writes every 300 ms (so archive_timeout switches segments) until `done` holds, or `seconds` pass. */
async function writeUntil(done: () => boolean, seconds: number, what: string): Promise<void> {
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    write()
    if (done()) return
    await sleep(300)
  }
  throw new Error(`${what}: not within ${seconds} s (${JSON.stringify(archiver())})`)
}
const caughtUp = (from: string) => () => {
  const a = archiver()
  return (
    a.last > from &&
    a.current.slice(8) <= (Number.parseInt(a.last.slice(8), 16) + 1).toString(16).padStart(16, '0').toUpperCase()
  )
}
const recreateDb = () => {
  const r = w.dc('up', '-d', '--force-recreate', '--wait', 'db')
  assert.is(r.code, 0, out(r))
}

test.before(() => {
  sh('make', ['-s', 'setup'])
  assert.is(sh('truncate', ['-s', '40M', img]).code, 0)
  assert.is(sh('mkfs.ext4', ['-q', '-F', img]).code, 0)
  assert.is(w.onCore(['mkdir', '-p', repo]).code, 0)
  assert.is(w.onCore(['mount', '-o', 'loop', img, repo]).code, 0, 'the loop file system at the repository path')
  w.dbUp()
  w.sql('CREATE TABLE marks (n int PRIMARY KEY, at timestamptz NOT NULL)')
  const b = w.make('backup')
  assert.is(b.code, 0, out(b))
})
test.after(() => {
  w.onCore(['umount', repo])
  w.down()
  rmSync(img, { force: true })
})

test('the repository full: every write goes in, archiving fails, and catches up once there is room', async () => {
  await writeUntil(() => archiver().last !== '', 20, 'the first segment archived')
  const before = archiver()
  // Fill it to the last block.
  w.onCore(['dd', 'if=/dev/zero', `of=${repo}/filler`, 'bs=1M', 'status=none'])
  w.onCore(['sync'])
  assert.match(w.onCore(['df', '--output=avail', repo]).stdout, /\n\s*0\n/, 'the repository has no room left')
  await writeUntil(() => archiver().failed > before.failed, 30, 'an archive failure')
  const full = archiver()
  assert.is(w.sql('SELECT count(*) FROM marks'), String(n), 'every write went in while archiving failed')
  assert.ok(full.current > full.last, 'segments wait in pg_wal')
  assert.is(w.onCore(['rm', '-f', `${repo}/filler`]).code, 0)
  await writeUntil(caughtUp(full.last), 60, 'archiving caught up')
})

test('the db over an empty shared mount point: archiving refuses the local directory, catches up after', async () => {
  assert.is(w.onCore(['umount', repo]).code, 0)
  w.unmountShared()
  recreateDb()
  const before = archiver()
  await writeUntil(() => archiver().failed > before.failed, 30, 'an archive failure over the empty mount point')
  assert.is(w.onCore(['ls', '-A', mnt]).stdout, '', 'nothing was written into the local directory')
  const stuck = archiver()
  w.mountShared()
  assert.is(w.onCore(['mount', '-o', 'loop', img, repo]).code, 0)
  recreateDb()
  await writeUntil(caughtUp(stuck.last), 60, 'archiving caught up once the mount was back')
  const b = w.make('backup')
  assert.is(b.code, 0, out(b))
  assert.match(b.stdout, /Base backup \S+ \(differential\)/)
})

test.run()
