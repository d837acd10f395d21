// Every script the jobs render, from a config set: the deploy's two parts for the core and each node, status,
// logs, backup, inventory, the backup status's watch and textfile, prune, the drill, the restore (with and
// without its safety dump), probe, scratch drop, the timer install, and the snapshot jobs (btrfs from the
// config; ZFS from an inline target). Used by the shellcheck test; the texts are the real ones, with
// placeholder secret values.
import { deleteScript as deleteBackups } from '../../lib/backup/prune.ts'
import { backupScript } from '../../lib/backup/backup.ts'
import { inventoryScript } from '../../lib/backup/inventory.ts'
import { watchScript } from '../../lib/watch/checks.ts'
import { textfileScript } from '../../lib/watch/report.ts'
import type { BackupEntry } from '../../lib/backup/inventory.ts'
import { installTimerLines, TIMER_LIB } from '../../lib/backup/timer.ts'
import type { Config } from '../../lib/config/model.ts'
import { planCore, planWorkers } from '../../lib/deploy/plan.ts'
import { deployScript, preflightScript } from '../../lib/deploy/scripts.ts'
import { renderFirstPart, renderScript, type ScriptParts } from '../../lib/job/render.ts'
import {
  dropReplacedScript,
  dropScratchScript,
  probeScript,
  replacedScript,
  restoreIntoScript,
  swapScript,
} from '../../lib/restore/job.ts'
import { Secret } from '../../lib/secrets/secret.ts'
import type { SnapshotTarget } from '../../lib/snapshot/commands.ts'
import { copyListScript, copyScript } from '../../lib/snapshot/copy-script.ts'
import { createScript, deleteScript, listScript } from '../../lib/snapshot/scripts.ts'
import { logsScript, statusScript } from '../../lib/status/remote.ts'

const TAG = 'sha-a1b2c3d'
const NAME = 'ktrdr-2026-11-27T12-00-00Z'

const custom: BackupEntry = {
  name: 'ktrdr-20261127T020000Z',
  file: 'ktrdr-20261127T020000Z.dump',
  format: 'custom',
  size: 1234,
  time: new Date('2026-11-27T02:00:00Z'),
  verified: true,
  kind: 'daily',
  manifest: {
    format: 'ktrdr-backup/1',
    kind: 'daily',
    time: '2026-11-27T02:00:00Z',
    host: 'ktrdr-core',
    server: { server_version: '17.5', server_version_num: 170005, timescaledb: '2.19.3', database: 'ktrdr' },
    hypertables: [],
    tables: [],
    checksum_algorithm: 'sum(hashtextextended(row::text, 0))',
    dump: {
      file: 'ktrdr-20261127T020000Z.dump',
      size: 1234,
      sha256: 'a'.repeat(64),
      format: 'custom',
      compression: 'zstd:1',
    },
    roles: { file: 'ktrdr-20261127T020000Z.roles.sql', size: 10, sha256: 'b'.repeat(64) },
    duration_s: 3,
  } as unknown as BackupEntry['manifest'],
}
const legacy: BackupEntry = {
  ...custom,
  name: 'ktrdr-20261101.sql.gz',
  file: 'ktrdr-20261101.sql.gz',
  format: 'plain-gzip',
  manifest: undefined,
  kind: 'legacy',
}

const zfs: SnapshotTarget = { backend: 'zfs', dataset: 'tank/ktrdr-shared', mountpoint: '/tank/ktrdr-shared' }

/** name → the script's full text, as bash would get it on stdin. */
export function renderedScripts(cfg: Config): Map<string, string> {
  const out = new Map<string, string>()
  const add = (name: string, parts: ScriptParts) => out.set(name, renderScript(parts))
  const secrets = new Map(
    ['DB_PASSWORD', 'JWT_SECRET', 'BROKER_API_KEY', 'REGISTRY_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'].map((n) => [
      n,
      new Secret(n, `x'"$ \\${n}`),
    ]),
  )
  const deploys = [planCore(cfg, 'all', TAG), ...cfg.nodes.map((n) => planWorkers(cfg, n, TAG))]
  for (const d of deploys) {
    out.set(`preflight ${d.label}`, renderFirstPart(preflightScript(cfg, d)))
    for (const current of [false, true])
      add(
        `deploy ${d.label}${current ? ' (current)' : ''}`,
        deployScript(cfg, d, { tag: TAG, forceUnlock: current, healthTimeoutS: 120 }, secrets, current),
      )
    add(`status ${d.label}`, statusScript(d.composePath))
    add(`logs ${d.label}`, logsScript(d.composePath, d.services, 200))
  }
  add('backup', backupScript(cfg, 'daily', new Date('2026-11-27T02:00:00Z'), cfg.stack.core.host))
  add('inventory', inventoryScript(cfg))
  add('watch', watchScript(cfg))
  add('textfile', textfileScript(cfg, '# TYPE ktrdr_backup_status_ok gauge\nktrdr_backup_status_ok 1\n'))
  add('prune', deleteBackups(cfg, [custom]))
  for (const e of [custom, legacy]) {
    add(
      `drill ${e.format}`,
      restoreIntoScript(cfg, e, { scratch: 'ktrdr_drill_20261127t030000z', mode: 'drill', checksums: true }),
    )
    add(
      `restore ${e.format}`,
      restoreIntoScript(cfg, e, { scratch: 'ktrdr_restore_20261127t030000z', mode: 'restore', checksums: false }),
    )
  }
  const swap = { scratch: 'ktrdr_restore_20261127t030000z', live: 'ktrdr', old: 'ktrdr_old_20261127t030000z' }
  add('swap', swapScript(cfg, swap))
  add('replaced list', replacedScript(cfg, 'ktrdr'))
  add('drop replaced', dropReplacedScript(cfg, 'ktrdr', ['ktrdr_old_20261127t030000z']))
  add('probe', probeScript(cfg, 'ktrdr'))
  add('drop scratch', dropScratchScript(cfg, swap.scratch))
  add('timer', {
    lib: TIMER_LIB,
    body: installTimerLines({ service: '[Service]\nType=oneshot\n', timer: '[Timer]\n' }, '/'),
  })
  const s = cfg.stack.snapshots
  const targets: [string, SnapshotTarget][] = [['zfs', zfs]]
  if (s?.backend === 'btrfs') targets.push(['btrfs', { backend: 'btrfs', source: s.source, snapshotDir: s.dir }])
  for (const [b, t] of targets) {
    add(`snapshot list ${b}`, listScript(t))
    add(`snapshot create ${b}`, createScript(t, NAME, 'ops@mac pid 1'))
    add(`snapshot prune ${b}`, deleteScript(t, [NAME], 'ktrdr', 'ops@mac pid 1'))
    const dest = b === 'btrfs' ? '/mnt/usb/ktrdr' : 'backup/ktrdr'
    add(`snapshot copy list ${b}`, copyListScript(t, { kind: 'receive', dest }))
    add(
      `snapshot copy ${b}`,
      copyScript(
        t,
        { kind: 'receive', dest },
        { name: NAME, parent: 'ktrdr-2026-11-27T11-00-00Z', upToDate: false },
        'ops',
      ),
    )
    add(
      `snapshot copy rsync ${b}`,
      copyScript(t, { kind: 'rsync', dest: 'nas:/v/ktrdr' }, { name: NAME, upToDate: false }, 'ops'),
    )
  }
  return out
}
