import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  snapshotFilesPath,
  type SnapshotTarget,
} from '../../lib/snapshot/commands.ts'
import { rsyncSnapshot, sendSnapshot } from '../../lib/snapshot/copy.ts'
import { parseZfsSnapshotList } from '../../lib/snapshot/zfs-list.ts'
import { SnapshotError } from '../../lib/snapshot/errors.ts'

const btrfs: SnapshotTarget = {
  backend: 'btrfs',
  source: '/srv/ktrdr-shared',
  snapshotDir: '/srv/.snapshots/ktrdr-shared/',
}
const zfs: SnapshotTarget = { backend: 'zfs', dataset: 'tank/ktrdr-shared', mountpoint: '/srv/ktrdr-shared' }
const NAME = 'ktrdr-2026-11-27T12-00-00Z'
const PREV = 'ktrdr-2026-11-27T11-00-00Z'

test('btrfs: create, list, delete', () => {
  assert.equal(createSnapshot(btrfs, NAME), [
    'btrfs',
    'subvolume',
    'snapshot',
    '-r',
    '/srv/ktrdr-shared',
    `/srv/.snapshots/ktrdr-shared/${NAME}`,
  ])
  assert.equal(listSnapshots(btrfs), [
    'find',
    '/srv/.snapshots/ktrdr-shared',
    '-mindepth',
    '1',
    '-maxdepth',
    '1',
    '-type',
    'd',
    '-printf',
    '%f\\n',
  ])
  assert.equal(deleteSnapshot(btrfs, NAME), ['btrfs', 'subvolume', 'delete', `/srv/.snapshots/ktrdr-shared/${NAME}`])
})

test('zfs: create, list, delete', () => {
  assert.equal(createSnapshot(zfs, NAME), ['zfs', 'snapshot', `tank/ktrdr-shared@${NAME}`])
  assert.equal(listSnapshots(zfs), [
    'zfs',
    'list',
    '-H',
    '-p',
    '-t',
    'snapshot',
    '-o',
    'name,creation',
    '-s',
    'creation',
    '-d',
    '1',
    'tank/ktrdr-shared',
  ])
  assert.equal(deleteSnapshot(zfs, NAME), ['zfs', 'destroy', `tank/ktrdr-shared@${NAME}`])
})

test('btrfs send/receive, full and incremental', () => {
  assert.equal(sendSnapshot(btrfs, { name: NAME, dest: '/mnt/usb/ktrdr/' }), {
    send: ['btrfs', 'send', `/srv/.snapshots/ktrdr-shared/${NAME}`],
    receive: ['btrfs', 'receive', '/mnt/usb/ktrdr'],
  })
  assert.equal(sendSnapshot(btrfs, { name: NAME, parent: PREV, dest: '/mnt/usb/ktrdr' }).send, [
    'btrfs',
    'send',
    '-p',
    `/srv/.snapshots/ktrdr-shared/${PREV}`,
    `/srv/.snapshots/ktrdr-shared/${NAME}`,
  ])
})

test('zfs send/receive, full and incremental', () => {
  assert.equal(sendSnapshot(zfs, { name: NAME, dest: 'backup/ktrdr-shared' }), {
    send: ['zfs', 'send', `tank/ktrdr-shared@${NAME}`],
    receive: ['zfs', 'receive', '-F', 'backup/ktrdr-shared'],
  })
  assert.equal(sendSnapshot(zfs, { name: NAME, parent: PREV, dest: 'backup/ktrdr-shared' }).send, [
    'zfs',
    'send',
    '-i',
    `@${PREV}`,
    `tank/ktrdr-shared@${NAME}`,
  ])
})

test('rsync copy of a snapshot', () => {
  assert.equal(rsyncSnapshot(btrfs, NAME, '/mnt/nas/ktrdr-shared/'), [
    'rsync',
    '-a',
    '--delete',
    `/srv/.snapshots/ktrdr-shared/${NAME}/`,
    '/mnt/nas/ktrdr-shared/',
  ])
  assert.equal(rsyncSnapshot(zfs, NAME, 'backup@nas:/volume1/ktrdr'), [
    'rsync',
    '-a',
    '--delete',
    `/srv/ktrdr-shared/.zfs/snapshot/${NAME}/`,
    'backup@nas:/volume1/ktrdr/',
  ])
  assert.throws(
    () => snapshotFilesPath({ backend: 'zfs', dataset: 'tank/x' }, NAME),
    /mountpoint: is needed .*zfs get -H -o value mountpoint tank\/x/,
  )
})

test('unsafe input is refused before it reaches a command line', () => {
  const refused: [() => unknown, RegExp][] = [
    [() => deleteSnapshot(zfs, 'a%b'), /^name: /], // zfs destroy ds@a%b destroys a range
    [() => deleteSnapshot(zfs, ''), /^name: /], // zfs destroy tank/ktrdr-shared would take the dataset
    [() => deleteSnapshot(zfs, 'x@y'), /^name: /],
    [() => deleteSnapshot(btrfs, '../x'), /^name: /],
    [() => deleteSnapshot(btrfs, '-x'), /^name: /],
    [() => createSnapshot({ backend: 'zfs', dataset: '/tank/x' }, NAME), /^dataset: should be a ZFS dataset/],
    [() => createSnapshot({ backend: 'zfs', dataset: 'tank/x@y' }, NAME), /^dataset: /],
    [
      () => createSnapshot({ ...btrfs, source: 'srv/x' } as SnapshotTarget, NAME),
      /^source: should be an absolute path/,
    ],
    [() => listSnapshots({ ...btrfs, snapshotDir: '/' } as SnapshotTarget), /^snapshotDir: should not be the root/],
    [() => listSnapshots({ ...btrfs, snapshotDir: '/srv/../etc' } as SnapshotTarget), /^snapshotDir: /],
    [() => rsyncSnapshot(btrfs, NAME, '/'), /^dest: /], // --delete into / must never happen
    [() => rsyncSnapshot(btrfs, NAME, 'nas:/'), /^dest: /],
    [() => rsyncSnapshot(btrfs, NAME, 'relative/dir'), /^dest: /],
    [() => rsyncSnapshot(btrfs, NAME, '/mnt/../'), /^dest: /],
    [() => sendSnapshot(zfs, { name: NAME, dest: '/mnt/usb' }), /^dest: should be the ZFS dataset/],
    [() => sendSnapshot(btrfs, { name: NAME, dest: 'backup/x' }), /^dest: should be an absolute directory/],
    [() => sendSnapshot(zfs, { name: NAME, parent: 'a b', dest: 'backup/x' }), /^parent: /],
  ]
  for (const [fn, re] of refused)
    assert.throws(fn, (e: unknown) => e instanceof SnapshotError && re.test(e.message), String(fn))
})

test('parse zfs list -H -p output', () => {
  const out = `tank/ktrdr-shared@zfs-auto-snap_daily-2026-11-26\t1795651200\ntank/ktrdr-shared@${NAME}\t1795780800\n`
  assert.equal(parseZfsSnapshotList(out), [
    { dataset: 'tank/ktrdr-shared', name: 'zfs-auto-snap_daily-2026-11-26', created: new Date('2026-11-26T00:00:00Z') },
    { dataset: 'tank/ktrdr-shared', name: NAME, created: new Date('2026-11-27T12:00:00Z') },
  ])
  assert.equal(parseZfsSnapshotList(''), [])
  assert.throws(
    () => parseZfsSnapshotList(`tank/x@a\t1\ntank/x@b 1795780800\n`),
    /^zfs list line 2: expected "<dataset>@<name><TAB><creation seconds>".*found "tank\/x@b 1795780800"$/,
  )
  assert.throws(() => parseZfsSnapshotList('tank/x\t1\n'), /line 1/) // no @: not a snapshot
  assert.throws(() => parseZfsSnapshotList('tank/x@a\tThu Nov 27 12:00 2026\n'), /line 1/) // forgot -p
})

test.run()
