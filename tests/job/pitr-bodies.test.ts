// What point-in-time recovery's binders send, exactly: the variables and the calls of lib/pitr/pitr.sh's
// functions, from the shipped homelab config (pitr: in infra/homelab/stack-config.yml). Only the operator,
// times and pids of the lock lines are masked.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/config/load.ts'
import {
  baseBackupScript,
  PITR_LIB,
  pitrInfoScript,
  pitrRestoreIntoScript,
  pitrSwapScript,
  repoScript,
  sideDropScript,
  sideListScript,
} from '../../lib/pitr/job.ts'
import { HOMELAB } from '../helpers/config-copy.ts'

const cfg = loadConfig(HOMELAB)
const p = cfg.stack.pitr!
const mask = (lines: string[]) =>
  lines.map((l) => l.replace(/by \S+ pid \d+ since [0-9T:.Z-]+/, 'by ops@mac pid PID since TIME'))

const VARS = [
  'dir=/mnt/ktrdr-shared/db-backups',
  'cdir=/mnt/shared/db-backups',
  'mount=/mnt/ktrdr-shared',
  'compose_path=/opt/ktrdr-core/docker-compose.core.yml',
  'project=ktrdr-core',
  'db_user=ktrdr',
  'stanza=ktrdr',
  'repo=/mnt/shared/pgbackrest',
  'repo_host=/mnt/ktrdr-shared/pgbackrest',
  'pgdata=/var/lib/postgresql/data',
  'side=.ktrdr-side',
  'conf=/etc/pgbackrest/pgbackrest.conf',
  'conf_host=/opt/ktrdr-core/pgbackrest.conf',
  'shared_cpath=/mnt/shared',
  'volume=ktrdr-core_dbdata',
  'db_image=ghcr.io/ktrdr/ktrdr-db:2.19.3-pg17', // the pin with pgBackRest (make build-db)
  'db_port=5432',
  'database=ktrdr',
]

test('the library: the backup area, the restore (stop_backend), then pitr.sh', () => {
  assert.equal(PITR_LIB, ['job/mount.sh', 'job/lock.sh', 'backup/backup.sh', 'restore/restore.sh', 'pitr/pitr.sh'])
})

test('base backup: the mount check, core shared + pitr exclusive, the container, the stanza, the backup', () => {
  const b = baseBackupScript(cfg, p, 'diff')
  assert.equal(b.lib, PITR_LIB)
  assert.equal(mask(b.body), [
    ...VARS,
    'backup_type=diff',
    'backups_dir',
    "ktrdr_lock core s $'base-backup by ops@mac pid PID since TIME'",
    "ktrdr_lock pitr x $'base-backup by ops@mac pid PID since TIME'",
    'db_container',
    'pitr_repo',
    'base_backup',
  ])
})

test('after a deploy of the db: the repository alone, under the base backup locks', () => {
  assert.equal(mask(repoScript(cfg, p).body), [
    ...VARS,
    'backups_dir',
    "ktrdr_lock core s $'base-backup by ops@mac pid PID since TIME'",
    "ktrdr_lock pitr x $'base-backup by ops@mac pid PID since TIME'",
    'db_container',
    'pitr_repo',
  ])
})

test('make recover-core: the same, taking over a repository of the cluster it replaced (new_cluster=1)', () => {
  const body = mask(repoScript(cfg, p, true).body)
  assert.equal(body.slice(VARS.length, VARS.length + 2), ['new_cluster=1', 'backups_dir'])
  assert.equal(body.slice(-2), ['db_container', 'pitr_repo'])
})

test('kept clusters: listed read-only; removed by name under the restore-pitr locks', () => {
  assert.equal(sideListScript(cfg, p).body, [...VARS, 'backups_dir', 'side_list'])
  assert.equal(mask(sideDropScript(cfg, p, ['replaced-20261201t104500z']).body), [
    ...VARS,
    'drop_names=(replaced-20261201t104500z)',
    'backups_dir',
    "ktrdr_lock core x $'restore-pitr by ops@mac pid PID since TIME'",
    "ktrdr_lock backups x $'restore-pitr by ops@mac pid PID since TIME'",
    "ktrdr_lock pitr x $'restore-pitr by ops@mac pid PID since TIME'",
    'side_drop',
  ])
})

test('info: read-only, no lock, no running db needed', () => {
  assert.equal(pitrInfoScript(cfg, p).body, [...VARS, 'backups_dir', 'pitr_info'])
})

test('restore to a moment: the target as given, the stamp, the counts without checksums; the swap', () => {
  const r = pitrRestoreIntoScript(cfg, p, { target: '2026-12-01 10:42:00+00', rstamp: '20261201t104500z' })
  const body = mask(r.body).map((l) => (l.startsWith('stats_sql=') ? 'stats_sql=…' : l))
  const locks = [
    "ktrdr_lock core x $'restore-pitr by ops@mac pid PID since TIME'",
    "ktrdr_lock backups x $'restore-pitr by ops@mac pid PID since TIME'",
    "ktrdr_lock pitr x $'restore-pitr by ops@mac pid PID since TIME'",
  ]
  assert.equal(body, [
    ...VARS,
    "target=$'2026-12-01 10:42:00+00'",
    'rstamp=20261201t104500z',
    'stats_sql=…',
    'backups_dir',
    ...locks,
    'pitr_restore_into',
  ])
  assert.not.match(r.body.find((l) => l.startsWith('stats_sql='))!, 'hash')
  assert.equal(mask(pitrSwapScript(cfg, p, '20261201t104500z').body), [
    ...VARS,
    'rstamp=20261201t104500z',
    'backups_dir',
    ...locks,
    'pitr_swap',
  ])
})

test('TIME=latest binds an empty target (pgBackRest: the end of the archive)', () => {
  const r = pitrRestoreIntoScript(cfg, p, { target: '', rstamp: 'x' })
  assert.ok(r.body.includes("target=$''"), r.body.join('\n'))
})

test.run()
