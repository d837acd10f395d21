// The remote scripts' lines, exactly (STYLE: test builders by exact command line), and the clock and table helpers.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SnapshotTarget } from '../../lib/snapshot/commands.ts'
import { copyScript } from '../../lib/snapshot/copy-script.ts'
import { formatAge, injectedNow, parseNow } from '../../lib/snapshot/clock.ts'
import { section } from '../../lib/snapshot/host.ts'
import { formatTable, planRows } from '../../lib/snapshot/report.ts'
import { planRetention } from '../../lib/snapshot/retention.ts'
import { createScript, deleteScript, listScript, lockLines, ownNameRegex } from '../../lib/snapshot/scripts.ts'

const btrfs: SnapshotTarget = {
  backend: 'btrfs',
  source: '/srv/ktrdr-shared',
  snapshotDir: '/srv/.snapshots/ktrdr-shared',
}
const zfs: SnapshotTarget = { backend: 'zfs', dataset: 'tank/ktrdr-shared' }
const NAME = 'ktrdr-2026-11-27T12-00-00Z'

const btrfsVars = [
  'backend=btrfs',
  'source=/srv/ktrdr-shared',
  'snapshot_dir=/srv/.snapshots/ktrdr-shared',
  "dataset=$''",
  "list_cmd=(find /srv/.snapshots/ktrdr-shared -mindepth 1 -maxdepth 1 -type d -printf $'%f\\\\n')",
]
const zfsList = "zfs list -H -p -t snapshot -o $'name,creation' -s creation -d 1 tank/ktrdr-shared"
const S = '/srv/.snapshots/ktrdr-shared'

test('lock: the job engine lock, shared for create and copy, exclusive for prune, waiting up to 30 s', () => {
  assert.equal(lockLines('snapshot-prune', 'ops@laptop'), ['ktrdr_lock snapshots x ops@laptop 30'])
  assert.equal(lockLines('snapshot', 'ops@laptop'), ['ktrdr_lock snapshots s ops@laptop 30'])
  assert.equal(lockLines('snapshot-copy', 'x'), ['ktrdr_lock snapshots s x 30'])
})

test('list: host clock, then the listing between section markers', () => {
  assert.equal(listScript(btrfs).body, [
    ...btrfsVars,
    'snap_now',
    `snap_list snapshots ${S} find ${S} -mindepth 1 -maxdepth 1 -type d -printf $'%f\\\\n'`,
  ])
  assert.equal(listScript(zfs).body, [
    'backend=zfs',
    "source=$''",
    "snapshot_dir=$''",
    'dataset=tank/ktrdr-shared',
    `list_cmd=(${zfsList})`,
    'snap_now',
    `snap_list snapshots $'' ${zfsList}`,
  ])
  assert.equal(section('x\n::ktrdr section snapshots\na\nb\n::ktrdr section end\nc\n', 'snapshots'), ['a', 'b'])
})

test('create: preflight, the directory, the lock, then btrfs snapshot -r with its undo for a writable one', () => {
  assert.equal(createScript(btrfs, NAME, 'me').body, [
    ...btrfsVars,
    'ktrdr_event step preflight',
    'snap_preflight',
    `mkdir -p ${S}`,
    'ktrdr_lock snapshots s me 30',
    `snap_create ${S}/${NAME} -- btrfs subvolume snapshot -r /srv/ktrdr-shared ${S}/${NAME} ` +
      `-- btrfs subvolume delete ${S}/${NAME}`,
  ])
  const z = createScript(zfs, NAME, 'me').body
  assert.equal(z.slice(-2), [
    'ktrdr_lock snapshots s me 30',
    `snap_create tank/ktrdr-shared@${NAME} -- zfs snapshot tank/ktrdr-shared@${NAME} ` +
      `-- zfs destroy tank/ktrdr-shared@${NAME}`,
  ])
})

test('delete: newest guard from what exists now, then one call per planned name', () => {
  assert.equal(deleteScript(btrfs, [NAME], 'ktrdr', 'me').body, [
    ...btrfsVars,
    "own_re=$'^ktrdr-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$'",
    'snap_nothing_to_delete',
    'ktrdr_lock snapshots x me 30',
    'snap_newest',
    `snap_delete ${NAME} ${S}/${NAME} btrfs subvolume delete ${S}/${NAME}`,
  ])
  assert.is(
    deleteScript(zfs, [NAME], 'ktrdr', 'me').body.at(-1),
    `snap_delete ${NAME} tank/ktrdr-shared@${NAME} zfs destroy tank/ktrdr-shared@${NAME}`,
  )
  assert.is(ownNameRegex('a.b'), '^a\\.b-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$')
})

test('copy: send | receive with -p parent; zfs send -i; rsync', () => {
  const plan = { name: NAME, parent: 'ktrdr-2026-11-27T11-00-00Z', upToDate: false }
  assert.equal(copyScript(btrfs, { kind: 'receive', dest: '/mnt/usb' }, plan, 'me').body, [
    ...btrfsVars,
    'snap_preflight',
    'ktrdr_lock snapshots s me 30',
    'ktrdr_event step copy',
    `copy_send /mnt/usb /mnt/usb/${NAME} -- btrfs send -p ${S}/${plan.parent} ${S}/${NAME} -- btrfs receive /mnt/usb`,
    `ktrdr_event copied $'${NAME} incremental from ${plan.parent}'`,
  ])
  const z = copyScript(zfs, { kind: 'receive', dest: 'backup/ktrdr' }, plan, 'me').body
  assert.is(
    z.at(-2),
    `copy_send backup/ktrdr $'' -- zfs send -i @${plan.parent} tank/ktrdr-shared@${NAME} ` +
      `-- zfs receive -F backup/ktrdr`,
  )
  const r = copyScript(
    { ...zfs, mountpoint: '/tank/ktrdr-shared' },
    { kind: 'rsync', dest: 'nas:/v/ktrdr' },
    { name: NAME, upToDate: false },
    'me',
  ).body
  assert.equal(r.slice(-2), [
    `copy_rsync nas:/v/ktrdr rsync -a --delete /tank/ktrdr-shared/.zfs/snapshot/${NAME}/ nas:/v/ktrdr/`,
    `ktrdr_event copied ${NAME}`,
  ])
})

test('clock: --now beats KTRDR_NOW; a zone is required', () => {
  assert.equal(
    injectedNow('2026-11-27T13:00:00+01:00', { KTRDR_NOW: '2030-01-01T00:00:00Z' }),
    new Date('2026-11-27T12:00:00Z'),
  )
  assert.equal(injectedNow(undefined, { KTRDR_NOW: '2030-01-01T00:00Z' }), new Date('2030-01-01T00:00:00Z'))
  assert.is(injectedNow(undefined, {}), undefined)
  assert.throws(() => parseNow('2026-11-27T12:00:00', '--now'), /--now: expected an ISO 8601 time with a zone/)
  assert.throws(() => parseNow('2026-02-30T12:00:00Z', 'KTRDR_NOW'), /KTRDR_NOW/)
  assert.throws(() => parseNow('yesterday', '--now'))
  assert.equal([45_000, 65_000, 3_900_000, 90_000_000, -300_000].map(formatAge), [
    '45s',
    '1m 05s',
    '1h 05m',
    '1d 01h',
    'in 5m 00s',
  ])
})

test('table: newest first, reasons for keeping, the policy for removing', () => {
  const snaps = [10, 11, 12].map((h) => ({
    name: `ktrdr-2026-11-27T${h}-00-00Z`,
    time: new Date(Date.UTC(2026, 10, 27, h)),
  }))
  const policy = { hourly: 1, daily: 0, weekly: 0 }
  const now = new Date('2026-11-27T12:30:00Z')
  assert.equal(formatTable(planRows(planRetention(snaps, policy, now), policy, now)), [
    'NAME                        TIME (UTC)            AGE      PLAN    WHY',
    'ktrdr-2026-11-27T12-00-00Z  2026-11-27T12:00:00Z  30m 00s  keep    hourly snapshot',
    'ktrdr-2026-11-27T11-00-00Z  2026-11-27T11:00:00Z  1h 30m   remove  ' +
      'outside the policy (hourly 1, daily 0, weekly 0)',
    'ktrdr-2026-11-27T10-00-00Z  2026-11-27T10:00:00Z  2h 30m   remove  ' +
      'outside the policy (hourly 1, daily 0, weekly 0)',
  ])
})

test.run()
