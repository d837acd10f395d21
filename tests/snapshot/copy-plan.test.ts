import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SnapshotTarget } from '../../lib/snapshot/commands.ts'
import { parseCopyTo, planCopy } from '../../lib/snapshot/copy-plan.ts'
import { ConfigError, OpsError } from '../../lib/errors.ts'

const btrfs: SnapshotTarget = {
  backend: 'btrfs',
  source: '/srv/ktrdr-shared',
  snapshotDir: '/srv/.snapshots/ktrdr-shared',
}
const zfs: SnapshotTarget = { backend: 'zfs', dataset: 'tank/ktrdr-shared' }
const snap = (h: number) => ({
  name: `ktrdr-2026-11-27T${String(h).padStart(2, '0')}-00-00Z`,
  time: new Date(Date.UTC(2026, 10, 27, h)),
})
const F = 'infra/homelab/stack-config.yml'

test('copy_to forms', () => {
  assert.equal(parseCopyTo(btrfs, '/mnt/usb/ktrdr/', F), { kind: 'receive', dest: '/mnt/usb/ktrdr' })
  assert.equal(parseCopyTo(zfs, 'backup/ktrdr-shared', F), { kind: 'receive', dest: 'backup/ktrdr-shared' })
  assert.equal(parseCopyTo(zfs, '/mnt/usb/ktrdr', F), { kind: 'rsync', dest: '/mnt/usb/ktrdr' })
  assert.equal(parseCopyTo(btrfs, 'nas:/volume1/ktrdr', F), { kind: 'rsync', dest: 'nas:/volume1/ktrdr' })
  assert.equal(parseCopyTo(zfs, 'backup@nas.internal:/volume1/ktrdr', F), {
    kind: 'rsync',
    dest: 'backup@nas.internal:/volume1/ktrdr',
  })
  assert.equal(parseCopyTo(btrfs, 'rsync:/mnt/usb/ktrdr', F), { kind: 'rsync', dest: '/mnt/usb/ktrdr' })
})

test('copy_to errors name the file and field', () => {
  const e1 = (() => {
    try {
      parseCopyTo(btrfs, 'usb/ktrdr', F)
    } catch (e) {
      return e
    }
  })()
  assert.ok(e1 instanceof ConfigError)
  assert.match((e1 as Error).message, `${F} snapshots.copy_to: should be a directory on another btrfs file system`)
  assert.throws(() => parseCopyTo(btrfs, 'rsync:usb', F), /snapshots.copy_to: rsync: needs an absolute path/)
})

test('btrfs: full when nothing in common, incremental from the newest common one, up to date', () => {
  const src = [snap(9), snap(10), snap(11), snap(12)]
  assert.equal(planCopy(btrfs, { kind: 'receive', dest: '/mnt/usb' }, src, []), {
    name: snap(12).name,
    parent: undefined,
    upToDate: false,
  })
  assert.equal(planCopy(btrfs, { kind: 'receive', dest: '/mnt/usb' }, src, [snap(9), snap(10)]), {
    name: snap(12).name,
    parent: snap(10).name,
    upToDate: false,
  })
  // Pruned here but still at the destination: not a usable parent.
  assert.equal(
    planCopy(btrfs, { kind: 'receive', dest: '/mnt/usb' }, [snap(10), snap(12)], [snap(11)]).parent,
    undefined,
  )
  assert.equal(planCopy(btrfs, { kind: 'receive', dest: '/mnt/usb' }, src, [snap(12)]).upToDate, true)
})

test("zfs: incremental only on top of the destination's newest snapshot", () => {
  const src = [snap(9), snap(10), snap(11)]
  const d = { kind: 'receive' as const, dest: 'backup/ktrdr' }
  assert.equal(planCopy(zfs, d, src, []), { name: snap(11).name, upToDate: false })
  assert.equal(planCopy(zfs, d, src, [snap(9), snap(10)]), {
    name: snap(11).name,
    parent: snap(10).name,
    upToDate: false,
  })
  const err = (() => {
    try {
      planCopy(zfs, d, [snap(11)], [snap(10)])
    } catch (e) {
      return e
    }
  })()
  assert.ok(err instanceof OpsError)
  assert.match((err as OpsError).hint!, 'zfs rollback -r backup/ktrdr@')
})

test('rsync copies the newest; nothing to copy is an error with the next step', () => {
  assert.equal(planCopy(btrfs, { kind: 'rsync', dest: 'nas:/v' }, [snap(12), snap(9)], []), {
    name: snap(12).name,
    upToDate: false,
  })
  assert.throws(() => planCopy(btrfs, { kind: 'rsync', dest: 'nas:/v' }, [], []), /no snapshot to copy/)
})

test.run()
