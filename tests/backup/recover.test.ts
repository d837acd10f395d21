// Recovery runbooks through make, in the lab. recover-worker: a lab node that is already deployed comes back
// healthy at the tag it runs; a config whose shared mount is missing is refused with nothing deployed.
// recover-core: in the tests' own core project (world.ts, never lab/config's ktrdr-core): back up, lose the
// db container and its volume and the compose directory, recover, and the data is back; with pitr: on, the
// fresh cluster takes the pgBackRest repository over (the lost cluster's backups stay), is base-backed-up and
// archives at once.
import { existsSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { make } from '../helpers/run.ts'
import { ensureAppImages, GOOD_TAG, HOSTS, hostDocker, labMake } from '../helpers/lab.ts'
import { sh, TAG, world } from './world.ts'

const w = world('rc-e2e', { backendPort: 18200, pitr: {} })
const LAB = join(REPO, 'lab/config')
const WORKER = 'ktrdr-workers-b-worker-1-1'
const inspect = (fmt: string) => hostDocker(HOSTS.b, 'inspect', '-f', fmt, WORKER).stdout.trim()
const TABLES = ['public.strategies', 'public.bars']
const fingerprint = () =>
  TABLES.map((t) =>
    w.sql(`SELECT '${t} ' || count(*) || ' ' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM ${t} x`),
  ).join('\n')

function flipByte(path: string): void {
  const fd = openSync(path, 'r+')
  const at = Math.floor(statSync(path).size / 2)
  const byte = Buffer.alloc(1)
  readSync(fd, byte, 0, 1, at)
  writeSync(fd, Buffer.from([byte[0]! ^ 0x01]), 0, 1, at)
}

test.before(() => {
  sh('make', ['-s', 'setup'])
  // A fresh lab has no images and no node B yet: build and push the app images, deploy node B once.
  ensureAppImages()
  const b = labMake('deploy-workers', { NODE: 'B', TAG: GOOD_TAG })
  assert.is(b.code, 0, b.stdout + b.stderr)
})
test.after(() => w.down())

test('recover-worker: node B (already deployed) comes back healthy at the tag it runs', () => {
  const tag = inspect('{{index .Config.Labels "ktrdr.tag"}}')
  assert.match(tag, /^sha-/, `node B's worker runs ${tag}`)
  const r = make('recover-worker', { CONFIG: LAB, NODE: 'B', TAG: tag }, { env: w.env, timeout: 120_000 })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /ktrdr-workers-b: docker, compose v2 and the shared mount \S+ are there/)
  assert.match(r.stdout, /recovered node B on ktrdr-workers-b: worker-1, worker-2, worker-3 healthy at sha-/)
  assert.is(inspect('{{.State.Health.Status}}'), 'healthy')
})

test('recover-worker: no shared mount → clear refusal, nothing deployed', () => {
  const missing = '/mnt/no-such-shared-mount'
  const cfg = configCopy([{ file: 'stack-config.yml', from: /host_path: .*/, to: `host_path: ${missing}` }], LAB)
  try {
    const started = inspect('{{.State.StartedAt}}')
    const r = make('recover-worker', { CONFIG: cfg, NODE: 'B', TAG }, { env: w.env, timeout: 60_000 })
    assert.is.not(r.code, 0)
    assert.match(
      r.stderr,
      new RegExp(`error: node B: preflight failed on \\S+: the shared mount ${missing} is not present`),
    )
    assert.match(r.stderr, /hint: mount the NFS export at .* nothing was deployed/)
    assert.not.match(r.stdout, /Read \d+ secrets|Deploy node B/, 'stops before secrets or deploy')
    assert.is(inspect('{{.State.StartedAt}}'), started, "the node's containers were not touched")
  } finally {
    rmSync(cfg, { recursive: true, force: true })
  }
})

test('recover-core: backup, lose the db container + volume + compose dir, recover, data back', () => {
  w.dbUp()
  w.sql(
    `CREATE TABLE strategies (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO strategies (name) SELECT 'strat-' || g FROM generate_series(1, 500) g;
CREATE TABLE bars (time timestamptz NOT NULL, symbol text NOT NULL, close double precision);
SELECT create_hypertable('bars', 'time', chunk_time_interval => interval '1 day');
INSERT INTO bars SELECT t, 'EURUSD', random() ` +
      `FROM generate_series(timestamptz '2026-01-01', ` +
      `timestamptz '2026-01-04' - interval '1 minute', interval '1 minute') t;`,
  )
  const before = fingerprint()
  // Two backups: the intact one (taken an hour ago, by NOW=) and a newer one that is damaged on disk.
  const b = w.make('backup', { NOW: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z') })
  assert.is(b.code, 0, b.stdout + b.stderr)
  const intact = /ktrdr-\d{8}T\d{6}Z\.dump/.exec(b.stdout)?.[0]
  assert.ok(intact, b.stdout)
  w.sql("INSERT INTO strategies (name) VALUES ('after the first backup')")
  const b2 = w.make('backup')
  assert.is(b2.code, 0, b2.stdout + b2.stderr)
  const newest = /ktrdr-\d{8}T\d{6}Z\.dump/.exec(b2.stdout)?.[0]
  assert.ok(newest && newest !== intact, b2.stdout)
  flipByte(join(w.backups, newest!))
  // The core is lost: containers, the db volume, and the host's /opt/<project> (a fresh LXC has none of them).
  assert.is(w.dc('down', '-v', '-t', '5').code, 0)
  w.onCore(['rm', '-rf', dirname(w.compose)])
  assert.is(
    hostDocker(
      HOSTS.core,
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${w.project}`,
    ).stdout.trim(),
    '',
  )

  // The db is gone: make restore LIST=1 still lists what is there (it reads the backups directory only).
  const list = w.make('restore', { LIST: '1' })
  assert.is(list.code, 0, list.stdout + list.stderr)
  assert.match(list.stdout, /ktrdr-\d{8}T\d{6}Z\.dump {2}verified/)
  const noTty = w.make('recover-core', { TAG })
  assert.is.not(noTty.code, 0)
  assert.match(noTty.stderr, /--yes \(make: YES=1\)/)
  assert.not.ok(existsSync(w.composeFile), 'refused before touching the host')
  // FILE= picks the backup (for when the newest is damaged); one that is not there is refused before anything starts.
  const named = w.make('recover-core', { TAG, YES: '1', FILE: 'ktrdr-19990101T000000Z.dump' })
  assert.is.not(named.code, 0)
  assert.match(
    named.stdout + named.stderr,
    /no backup named "ktrdr-19990101T000000Z\.dump" in .*: the backups there are ktrdr-\d{8}T\d{6}Z\.dump/,
  )
  assert.not.ok(existsSync(w.composeFile), 'refused before the db was started')

  const t0 = Date.now()
  const r = w.make('recover-core', { TAG, YES: '1' }, { timeout: 180_000 })
  console.log(`    recover-core took ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.is(r.code, 0, r.stdout + r.stderr)
  // The damaged newest is checked before anything is deployed, named, and skipped for the intact older one.
  assert.match(r.stdout, `warning: ${newest} (taken `)
  assert.match(r.stdout, 'is DAMAGED: its sha256 differs from the manifest; skipped')
  assert.match(r.stdout, `warning: restoring the older ${intact} instead: writes since`)
  assert.ok(
    r.stdout.indexOf(`Newest intact backup: ${intact}`) < r.stdout.indexOf('Start the database alone'),
    'the backup is chosen before the db is deployed',
  )
  // The core's timers are checked last: the lab's core has no ktrdr-ops checkout, so each is reported, with its fix.
  assert.match(r.stdout, /timer {5}ktrdr-backup\.timer NOT installed/)
  assert.match(
    r.stdout,
    new RegExp(
      'warning: ktrdr-backup\\.timer is NOT installed on ktrdr-core: ktrdr-ops is not built at /opt/ktrdr-ops ' +
        'on this host .*nothing backs the database up: make install-backup-timer',
    ),
  )
  for (const step of [
    /shared mount .* are there/,
    new RegExp(`Newest intact backup: ${intact} \\(.*, sha256 ok\\); skipped as DAMAGED .*: ${newest}`),
    /Deploy core on ktrdr-core: db at/,
    /Restored ktrdr-.*\.dump into ktrdr_restore_/,
    /Swap ktrdr_restore_\S+ in as ktrdr/,
    /Archiving the recovered cluster: full base backup \d{8}-\d{6}F in the pgBackRest repository/,
    /warning: the pgBackRest repository held the replaced cluster's base backups and WAL: they stay/,
    /Deploy core on ktrdr-core: db, backend at/,
    /core recovered on ktrdr-core:/,
  ])
    assert.match(r.stdout, step)
  assert.is(fingerprint(), before)
  assert.is(w.sql("SELECT hypertable_name || ' ' || num_chunks FROM timescaledb_information.hypertables"), 'bars 3')
  const ps = w.dc('ps', '--format', '{{.Service}} {{.Health}}').stdout.trim().split('\n').sort()
  assert.equal(ps, ['backend healthy', 'db healthy'])
  // The recovered cluster archives into the repository it took over.
  const wal = w.sql('SELECT pg_walfile_name(pg_current_wal_lsn())')
  w.sql('SELECT pg_switch_wal()')
  let archived = ''
  for (let i = 0; i < 50 && archived < wal; i++) {
    sh('sleep', ['0.2'])
    archived = w.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
  }
  assert.ok(archived >= wal, `WAL ${wal} archived (last: ${archived})`)
})

test.run()
