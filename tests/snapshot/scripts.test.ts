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

test('lock: flock on fd 9, shared or exclusive, names the holder', () => {
  assert.equal(lockLines(btrfs, 'exclusive', 'ops@laptop'), [
    "echo $'::ktrdr step lock'",
    'exec 9>>/srv/.snapshots/ktrdr-shared/.ktrdr-snapshot.lock',
    'if ! flock -x -w 30 9; then echo "::ktrdr locked $(head -n1 /srv/.snapshots/ktrdr-shared/.ktrdr-snapshot.lock 2>/dev/null || echo unknown)"; exit 75; fi',
    "printf '%s\\n' $'ops@laptop (exclusive)' > /srv/.snapshots/ktrdr-shared/.ktrdr-snapshot.lock",
  ])
  assert.is(lockLines(zfs, 'shared', 'x')[1], 'exec 9>>/run/lock/ktrdr-snapshot-tank_ktrdr-shared.lock')
  assert.match(lockLines(zfs, 'shared', 'x')[2]!, 'flock -s -w 30 9')
})

test('list: host clock, then the listing between section markers', () => {
  assert.equal(listScript(btrfs).body, [
    'echo "::ktrdr now $(date -u +%s)"',
    "echo $'::ktrdr section snapshots'",
    "if [ -d /srv/.snapshots/ktrdr-shared ]; then find /srv/.snapshots/ktrdr-shared -mindepth 1 -maxdepth 1 -type d -printf $'%f\\\\n'; fi",
    "echo $'::ktrdr section end'",
  ])
  assert.is(
    listScript(zfs).body[2],
    "zfs list -H -p -t snapshot -o $'name,creation' -s creation -d 1 tank/ktrdr-shared",
  )
  assert.equal(section('x\n::ktrdr section snapshots\na\nb\n::ktrdr section end\nc\n', 'snapshots'), ['a', 'b'])
})

test('create: btrfs snapshot -r, checked read-only, removed if not', () => {
  const body = createScript(btrfs, NAME, 'me').body
  assert.ok(
    body.includes(`btrfs subvolume snapshot -r /srv/ktrdr-shared /srv/.snapshots/ktrdr-shared/${NAME} >/dev/null`),
  )
  assert.ok(
    body.includes(
      `if [ "$(btrfs property get -ts /srv/.snapshots/ktrdr-shared/${NAME} ro)" != ro=true ]; then btrfs subvolume delete /srv/.snapshots/ktrdr-shared/${NAME} >/dev/null; echo $'::ktrdr not-readonly /srv/.snapshots/ktrdr-shared/${NAME}'; exit 1; fi`,
    ),
  )
  assert.ok(
    body.indexOf('mkdir -p /srv/.snapshots/ktrdr-shared') <
      body.indexOf('exec 9>>/srv/.snapshots/ktrdr-shared/.ktrdr-snapshot.lock'),
  )
  const zbody = createScript(zfs, NAME, 'me').body
  assert.ok(zbody.includes(`zfs snapshot tank/ktrdr-shared@${NAME} >/dev/null`))
  assert.ok(!zbody.some((l) => l.includes('property')))
})

test('delete: newest guard from what exists now, then one line per planned name', () => {
  const body = deleteScript(btrfs, [NAME], 'ktrdr', 'me').body
  assert.ok(
    body.includes(
      "newest=$(find /srv/.snapshots/ktrdr-shared -mindepth 1 -maxdepth 1 -type d -printf $'%f\\\\n' | { grep -E $'^ktrdr-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$' || true; } | LC_ALL=C sort | tail -n 1)",
    ),
  )
  assert.equal(body.slice(-2), [
    `if [ ${NAME} = "$newest" ]; then echo $'::ktrdr refused-newest ${NAME}'; exit 1; fi`,
    `if [ -d /srv/.snapshots/ktrdr-shared/${NAME} ]; then btrfs subvolume delete /srv/.snapshots/ktrdr-shared/${NAME} >/dev/null; echo $'::ktrdr deleted ${NAME}'; else echo $'::ktrdr gone ${NAME}'; fi`,
  ])
  const zbody = deleteScript(zfs, [NAME], 'ktrdr', 'me').body
  assert.ok(
    zbody.some((l) =>
      l.startsWith(
        "newest=$(zfs list -H -p -t snapshot -o $'name,creation' -s creation -d 1 tank/ktrdr-shared | cut -f1 | sed ",
      ),
    ),
  )
  assert.match(zbody.at(-1)!, `zfs destroy tank/ktrdr-shared@${NAME} >/dev/null`)
  assert.is(ownNameRegex('a.b'), '^a\\.b-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$')
})

test('copy: send | receive with -p parent; zfs send -i; rsync', () => {
  const b = copyScript(
    btrfs,
    { kind: 'receive', dest: '/mnt/usb' },
    { name: NAME, parent: 'ktrdr-2026-11-27T11-00-00Z', upToDate: false },
    'me',
  ).body
  assert.ok(
    b.some((l) =>
      l.startsWith(
        `if ! { btrfs send -p /srv/.snapshots/ktrdr-shared/ktrdr-2026-11-27T11-00-00Z /srv/.snapshots/ktrdr-shared/${NAME} | btrfs receive /mnt/usb >/dev/null; }; then if [ -d /mnt/usb/${NAME} ]; then btrfs subvolume delete /mnt/usb/${NAME}`,
      ),
    ),
  )
  const z = copyScript(
    zfs,
    { kind: 'receive', dest: 'backup/ktrdr' },
    { name: NAME, parent: 'ktrdr-2026-11-27T11-00-00Z', upToDate: false },
    'me',
  ).body
  assert.ok(
    z.includes(
      `if ! { zfs send -i @ktrdr-2026-11-27T11-00-00Z tank/ktrdr-shared@${NAME} | zfs receive -F backup/ktrdr; }; then echo $'::ktrdr copy-failed zfs send | zfs receive'; exit 1; fi`,
    ),
  )
  const r = copyScript(
    { ...zfs, mountpoint: '/tank/ktrdr-shared' },
    { kind: 'rsync', dest: 'nas:/v/ktrdr' },
    { name: NAME, upToDate: false },
    'me',
  ).body
  assert.ok(
    r.includes(
      `if ! rsync -a --delete /tank/ktrdr-shared/.zfs/snapshot/${NAME}/ nas:/v/ktrdr/; then echo $'::ktrdr copy-failed rsync to nas:/v/ktrdr'; exit 1; fi`,
    ),
  )
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
    'ktrdr-2026-11-27T11-00-00Z  2026-11-27T11:00:00Z  1h 30m   remove  outside the policy (hourly 1, daily 0, weekly 0)',
    'ktrdr-2026-11-27T10-00-00Z  2026-11-27T10:00:00Z  2h 30m   remove  outside the policy (hourly 1, daily 0, weekly 0)',
  ])
})

test.run()
