// What each binder sends, exactly (as Kamal tests its command builders): the variables bound and the calls of
// the .sh files' functions, from the shipped homelab config. The operator, times, pids and here-document
// delimiters are the only parts masked; everything else is the text bash gets.
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { backupScript } from '../../lib/backup/backup.ts'
import { inventoryScript } from '../../lib/backup/inventory.ts'
import { deleteScript } from '../../lib/backup/prune.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { planCore, planWorkers } from '../../lib/deploy/plan.ts'
import { recordPlan } from '../../lib/deploy/host-record.ts'
import { pinDeploy } from '../../lib/deploy/pin.ts'
import { deployBody, deployLib, preflightScript, rollingBind } from '../../lib/deploy/scripts.ts'
import { dropReplacedScript, replacedScript, RESTORE_LIB } from '../../lib/restore/job.ts'
import { restoreIntoScript, swapScript } from '../../lib/restore/job.ts'
import { logsScript, statusScript } from '../../lib/status/remote.ts'
import { HOMELAB } from '../helpers/config-copy.ts'

const cfg = loadConfig(HOMELAB)
const TAG = 'sha-a1b2c3d'
const WORKER = `ghcr.io/ktrdr/ktrdr-worker:${TAG}`
const WORKER_PINNED = `ghcr.io/ktrdr/ktrdr-worker@sha256:${'a'.repeat(64)}`
const PINS = new Map([[WORKER, WORKER_PINNED]])
const mask = (lines: string[]) =>
  lines.map((l) =>
    l
      .replace(/by \S+ pid \d+ since [0-9T:.Z-]+/, 'by ops@mac pid PID since TIME')
      .replace(/^operator=.*/, 'operator=ops@mac')
      .replace(/KTRDR_[0-9A-F]{12}/g, 'KTRDR_DELIM'),
  )
const stage = (name: string) =>
  `[ -n "$${name}" ] || fail $'cannot stage ${name} (no space for the shell\\'s here-document?)'`

test('deploy of a node: the preflight, the variables, the compose file as a here-document, lock, deploy', () => {
  const d = planWorkers(cfg, cfg.nodes[1]!, TAG)
  assert.equal(preflightScript(cfg, d).body, [
    'shared=/mnt/ktrdr-shared',
    'compose_dir=/opt/ktrdr-workers-c',
    'images=(ghcr.io/ktrdr/ktrdr-worker:sha-a1b2c3d)',
    'preflight',
  ])
  assert.equal(preflightScript(cfg).lib, ['job/mount.sh', 'deploy/preflight.sh'])
  const pinned = pinDeploy(d, PINS)
  const record = { ...recordPlan(pinned, TAG, PINS), operator: 'ops@mac', started: '2026-12-02T10:00:00.000Z' }
  const opts = { tag: TAG, forceUnlock: false, healthTimeoutS: 120 }
  // The same deploy is the record without who, when and why.
  const { operator: _o, started: _s, action: _a, ...same } = record
  assert.equal(mask(deployBody(cfg, pinned, opts, false, record)), [
    'compose_path=/opt/ktrdr-workers-c/docker-compose.workers.yml',
    'compose_dir=/opt/ktrdr-workers-c',
    'project=ktrdr-workers-c',
    'tag=sha-a1b2c3d',
    'action=deploy',
    'operator=ops@mac',
    'registry=ghcr.io',
    'health_timeout=120',
    'current=0',
    'services=(worker-1 worker-2)',
    'pull_services=(worker-1 worker-2)',
    'ship_names=()',
    'ship_texts=()',
    'compose_text=',
    "{ IFS= read -r -d '' compose_text || true; } <<'KTRDR_DELIM'",
    d.compose.replace(/\n$/, '').replaceAll(`image: ${WORKER}`, `image: ${WORKER_PINNED}`),
    'KTRDR_DELIM',
    stage('compose_text'),
    'records_keep=10',
    'own_repos=(ghcr.io/ktrdr/ktrdr-worker)',
    `record_sum=${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`,
    `same_sum=${createHash('sha256').update(JSON.stringify(same)).digest('hex')}`,
    "secret_env=($'worker-1 BROKER_API_KEY' $'worker-2 BROKER_API_KEY')",
    'all_services=(worker-1 worker-2)',
    "db_role=$''",
    'rolling=1',
    'drain_timeout=600',
    'max_unavailable=1',
    'force=0',
    'replica_addrs=(192.168.50.12:9000 192.168.50.12:9001)',
    'record_text=',
    "{ IFS= read -r -d '' record_text || true; } <<'KTRDR_DELIM'",
    JSON.stringify(record),
    'KTRDR_DELIM',
    "record_text=${record_text%$'\\n'}",
    stage('record_text'),
    'pin_text=',
    "{ IFS= read -r -d '' pin_text || true; } <<'KTRDR_DELIM'",
    `${WORKER} ${WORKER_PINNED}`,
    'KTRDR_DELIM',
    stage('pin_text'),
    'env_text=',
    "{ IFS= read -r -d '' env_text || true; } <<'KTRDR_DELIM'",
    [0, 1]
      .flatMap((i) =>
        [
          'BACKEND_BASE_URL=http://ktrdr-core.internal:8000',
          `WORKER_PUBLIC_BASE_URL=http://ktrdr-workers-c.internal:900${i}`,
          `WORKER_PORT=900${i}`,
          'SHARED_MOUNT_PATH=/mnt/shared',
          'LOG_LEVEL=info',
        ].map((v) => `worker-${i + 1} ${v}`),
      )
      .join('\n'),
    'KTRDR_DELIM',
    stage('env_text'),
    'images_text=',
    "{ IFS= read -r -d '' images_text || true; } <<'KTRDR_DELIM'",
    WORKER_PINNED,
    'KTRDR_DELIM',
    stage('images_text'),
    "ktrdr_lock node-c x $'deploy-workers by ops@mac pid PID since TIME tag sha-a1b2c3d'",
    'deploy',
  ])
  assert.equal(
    record.secrets['worker-1'],
    Object.keys(d.secretExports).filter((n) => n !== 'REGISTRY_PASSWORD'),
  )
  assert.not.match(record.compose, `:${TAG}`)
})

test("deploy of a node: DRAIN_TIMEOUT= and FORCE=1 bind over the node's own; the core rolls nothing", () => {
  const d = planWorkers(cfg, cfg.nodes[0]!, TAG)
  const opts = { tag: TAG, forceUnlock: false, healthTimeoutS: 120, drainTimeoutS: 5, force: true }
  assert.equal(rollingBind(d, opts), [
    'rolling=1',
    'drain_timeout=5',
    'max_unavailable=1',
    'force=1',
    'replica_addrs=(192.168.50.11:9000 192.168.50.11:9001 192.168.50.11:9002)',
  ])
  assert.equal(deployLib(d), ['job/lock.sh', 'deploy/secret-env.sh', 'deploy/rolling.sh', 'deploy/deploy.sh'])
  const core = planCore(cfg, 'all', TAG)
  assert.equal(rollingBind(core, opts), [])
  assert.equal(deployLib(core), ['job/lock.sh', 'deploy/secret-env.sh', 'deploy/deploy.sh'])
  assert.not.ok(deployBody(cfg, core, opts).some((l) => /^(rolling|drain_timeout|force)=/.test(l)))
})

test('deploy of the core, images current, FORCE_UNLOCK: no pull, shipped files, the force before the lock', () => {
  const d = planCore(cfg, 'backend', TAG)
  const body = mask(deployBody(cfg, d, { tag: TAG, forceUnlock: true, healthTimeoutS: 60 }, true))
  assert.equal(body.slice(7, 12), [
    'health_timeout=60',
    'current=1',
    'services=(backend)',
    'pull_services=()',
    'ship_names=(pgbackrest.conf prometheus.yml grafana/provisioning/datasources/prometheus.yml)',
  ])
  assert.ok(body.includes('ship_texts=("$ship_text_0" "$ship_text_1" "$ship_text_2")'))
  assert.equal(body.slice(-3), [
    'ktrdr_force_unlock=1',
    "ktrdr_lock core x $'deploy-core by ops@mac pid PID since TIME tag sha-a1b2c3d'",
    'deploy',
  ])
})

const AREA = [
  'dir=/mnt/ktrdr-shared/db-backups',
  'cdir=/mnt/shared/db-backups',
  'mount=/mnt/ktrdr-shared',
  'compose_path=/opt/ktrdr-core/docker-compose.core.yml',
  'project=ktrdr-core',
  'db_user=ktrdr',
]

test('backup: the area, the dump, the mount check, core shared + backups exclusive, the container, dump', () => {
  const b = backupScript(cfg, 'daily', new Date('2026-11-27T02:00:00Z'), 'ktrdr-core')
  assert.equal(b.lib, ['job/mount.sh', 'job/lock.sh', 'backup/backup.sh'])
  const body = mask(b.body).map((l) => (l.startsWith('stats_sql=') ? 'stats_sql=…' : l))
  assert.equal(body, [
    ...AREA,
    'base=ktrdr-20261127T020000Z',
    'kind=daily',
    'database=ktrdr',
    'host=ktrdr-core',
    'taken_at=2026-11-27T02:00:00Z',
    'dump_file=ktrdr-20261127T020000Z.dump',
    'roles_file=ktrdr-20261127T020000Z.roles.sql',
    'manifest_file=ktrdr-20261127T020000Z.manifest.json',
    'partial=.partial-',
    'compression=zstd:1',
    'manifest_format=ktrdr-backup/1',
    "checksum_algorithm=$'sum(hash_record_extended(row, 0)), or sum(hashtextextended(row::text, 0))" +
      " for a table with an unhashable column type'",
    'stats_sql=…',
    'backups_dir',
    "ktrdr_lock core s $'backup by ops@mac pid PID since TIME'",
    "ktrdr_lock backups x $'backup by ops@mac pid PID since TIME'",
    'db_container',
    'dump',
  ])
  assert.equal(inventoryScript(cfg).body, [...AREA, 'backups_dir', 'inventory'])
  const entry = { name: 'ktrdr-20261101T020000Z' } as Parameters<typeof deleteScript>[1][number]
  assert.equal(mask(deleteScript(cfg, [entry]).body), [
    ...AREA,
    'doomed=(ktrdr-20261101T020000Z)',
    'backups_dir',
    "ktrdr_lock backups x $'backup-prune by ops@mac pid PID since TIME'",
    'delete_backups',
  ])
})

test('restore: phase 1 binds the dump and the scratch database; the swap phase the three names', () => {
  const entry = {
    file: 'ktrdr-20261127T020000Z.dump',
    format: 'custom',
    manifest: {
      dump: { sha256: 'a'.repeat(64), size: 1234 },
      roles: { file: 'ktrdr-20261127T020000Z.roles.sql', sha256: 'b'.repeat(64) },
      server: { timescaledb: '2.19.3' },
      checksum_algorithm: 'sum(hashtextextended(row::text, 0))',
    },
  } as unknown as Parameters<typeof restoreIntoScript>[1]
  const p1 = restoreIntoScript(cfg, entry, {
    scratch: 'ktrdr_restore_20261127t030000z',
    mode: 'restore',
    checksums: false,
  })
  assert.equal(p1.lib, RESTORE_LIB)
  assert.equal(
    mask(p1.body).map((l) => (l.startsWith('stats_sql=') ? 'stats_sql=…' : l)),
    [
      ...AREA,
      'file=ktrdr-20261127T020000Z.dump',
      'format=custom',
      `dump_sha=${'a'.repeat(64)}`,
      'dump_size=1234',
      'roles_file=ktrdr-20261127T020000Z.roles.sql',
      `roles_sha=${'b'.repeat(64)}`,
      'tsdb=2.19.3',
      'scratch=ktrdr_restore_20261127t030000z',
      'drill=0',
      'apply_roles=1',
      "restore_pgoptions=$'-c maintenance_work_mem=256MB -c synchronous_commit=off'",
      'stats_sql=…',
      'backups_dir',
      "ktrdr_lock core x $'restore by ops@mac pid PID since TIME'",
      "ktrdr_lock backups x $'restore by ops@mac pid PID since TIME'",
      'db_container',
      'check_dump',
      'restore_into',
    ],
  )
  const drill = restoreIntoScript(cfg, entry, { scratch: 'ktrdr_drill_x', mode: 'drill', checksums: false })
  assert.ok(drill.body.includes('apply_roles=0') && drill.body.includes('drill=1'), 'a drill applies no roles')
  assert.ok(mask(drill.body).includes("ktrdr_lock core s $'backup-verify by ops@mac pid PID since TIME'"))
  const swap = swapScript(cfg, { scratch: 's', live: 'ktrdr', old: 'ktrdr_old' })
  assert.equal(mask(swap.body), [
    ...AREA,
    'scratch=s',
    'live=ktrdr',
    'old=ktrdr_old',
    'backups_dir',
    "ktrdr_lock core x $'restore by ops@mac pid PID since TIME'",
    "ktrdr_lock backups x $'restore by ops@mac pid PID since TIME'",
    'db_container',
    'stop_backend',
    'swap',
  ])
  assert.equal(replacedScript(cfg, 'ktrdr').body, [
    ...AREA,
    'live=ktrdr',
    'backups_dir',
    'db_container',
    'replaced_list',
  ])
  assert.equal(mask(dropReplacedScript(cfg, 'ktrdr', ['ktrdr_old_20261127t030000z']).body), [
    ...AREA,
    'live=ktrdr',
    'drop_names=(ktrdr_old_20261127t030000z)',
    'backups_dir',
    "ktrdr_lock core x $'restore by ops@mac pid PID since TIME'",
    "ktrdr_lock backups x $'restore by ops@mac pid PID since TIME'",
    'db_container',
    'drop_replaced',
  ])
})

test('status and logs of a stack', () => {
  assert.equal(statusScript('/opt/ktrdr-core/docker-compose.core.yml', ['core']).body, [
    'compose_path=/opt/ktrdr-core/docker-compose.core.yml',
    'lock_scopes=(core)',
    'stack_status',
  ])
  assert.equal(logsScript('/opt/x/c.yml', ['worker-1', 'worker-2'], 50).body, [
    'compose_path=/opt/x/c.yml',
    'tail=50',
    'services=(worker-1 worker-2)',
    'stack_logs',
  ])
})

test.run()
