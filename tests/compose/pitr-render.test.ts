// Point-in-time recovery as rendered for infra/homelab (lib/compose/pgbackrest.ts): the db's archiving
// settings as its command line, checked through `docker compose config` (compose's own model), and
// pgbackrest.conf shipped beside the compose file, by its exact text. Without pitr: neither.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { composeModel } from '../helpers/compose-model.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { renderCoreCompose } from '../../lib/compose/core.ts'

const HOMELAB = join(REPO, 'infra/homelab')
const cfg = loadConfig(HOMELAB)
const rendered = renderCoreCompose(cfg, 'sha-a1b2c3d')

const dbModel = (text: string) => composeModel(text).services.db

test('the db archives its WAL with pgBackRest, a segment at least every archive_timeout seconds', () => {
  const db = dbModel(rendered.compose)
  // The pin with pgBackRest (templates/Dockerfile.db, make build-db): the upstream pin has none.
  assert.is(db.image, 'ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17')
  assert.equal(db.command, [
    'postgres',
    '-c',
    'wal_level=replica',
    '-c',
    'archive_mode=on',
    '-c',
    'archive_command=pgbackrest --stanza=ktrdr archive-push %p',
    '-c',
    'archive_timeout=60',
  ])
  const mount = db.volumes.find((v: { target: string }) => v.target === '/etc/pgbackrest/pgbackrest.conf')
  assert.ok(mount, JSON.stringify(db.volumes))
  assert.is(mount.type, 'bind')
  assert.is(mount.read_only, true)
  assert.ok(mount.source.endsWith('/pgbackrest.conf'), mount.source)
  // The health check wakes the checkpointer once per start (lib/compose/pgbackrest.ts, wakeCheckpointer).
  assert.equal(db.healthcheck.test, [
    'CMD-SHELL',
    'pg_isready -q -h 127.0.0.1 -p 5432 -U ktrdr -d ktrdr && psql -XAtq -h 127.0.0.1 -p 5432 -U ktrdr -d postgres ' +
      '-c "SELECT pg_reload_conf() WHERE pg_conf_load_time() < pg_postmaster_start_time()" >/dev/null',
  ])
})

test('pgbackrest.conf: the repository on the shared mount, retention by keep_days, the side directory left out', () => {
  const f = rendered.files.find((x) => x.name === 'pgbackrest.conf')
  assert.is(
    f?.content,
    [
      '# pgBackRest for the ktrdr db, rendered by ktrdr-ops from stack-config.yml (pitr, backups, shared, database).',
      '[global]',
      'repo1-path=/mnt/shared/pgbackrest',
      'repo1-retention-full-type=time',
      'repo1-retention-full=30',
      'repo1-bundle=y',
      'compress-type=zst',
      'start-fast=y',
      'process-max=2',
      'log-level-console=warn',
      'log-level-stderr=off',
      'log-level-file=off',
      '',
      '[ktrdr]',
      'pg1-path=/var/lib/postgresql/data',
      'pg1-port=5432',
      'pg1-user=ktrdr',
      'pg1-socket-path=/var/run/postgresql',
      'exclude=.ktrdr-side',
      '',
    ].join('\n'),
  )
})

test('without pitr: no command, no pgbackrest.conf (logical dumps only, as before)', () => {
  const dir = configCopy([{ file: 'stack-config.yml', from: /\npitr:[^\n]*\n( {2}[^\n]*\n)+/, to: '\n' }], HOMELAB)
  try {
    const plain = loadConfig(dir)
    assert.is(plain.stack.pitr, undefined)
    const r = renderCoreCompose(plain, 'sha-a1b2c3d')
    const db = dbModel(r.compose)
    assert.is(db.command, null)
    assert.is(db.image, 'timescale/timescaledb:2.19.3-pg17', 'the pin itself')
    assert.equal(db.healthcheck.test, ['CMD-SHELL', 'pg_isready -q -h 127.0.0.1 -p 5432 -U ktrdr -d ktrdr'])
    assert.not.ok(r.files.some((x) => x.name === 'pgbackrest.conf'))
    assert.not.match(r.compose, 'pgbackrest')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a db pin without a tag is refused with pitr: (the db image with pgBackRest is named by it)', () => {
  const dir = configCopy(
    [
      {
        file: 'stack-config.yml',
        from: 'timescale/timescaledb:2.19.3-pg17',
        to: `timescale/timescaledb@sha256:${'a'.repeat(64)}`,
      },
    ],
    HOMELAB,
  )
  try {
    assert.throws(
      () => renderCoreCompose(loadConfig(dir), 'sha-a1b2c3d'),
      (e: Error & { hint?: string }) =>
        /has no tag, and pitr: needs one/.test(e.message) && /by tag/.test(e.hint ?? ''),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
