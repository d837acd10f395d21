// lab/config's snapshots: section is the homelab's, as it is, on the lab's export (a btrfs subvolume on the
// core host): make snapshot / snapshot-list / snapshot-prune / snapshot-copy run over SSH exactly as they would
// against node A, the copy to the lab's stand-in for the second disk (a btrfs of its own at /mnt/usb); and the
// runbook's "node A's disk is gone" steps are rehearsed on that copy.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HOSTS, hostPath, labMake, onHost } from '../helpers/lab.ts'
import { existsSync } from 'node:fs'

const DIR = '/srv/.snapshots/ktrdr-shared'
const USB = '/mnt/usb/ktrdr-shared'
const made: string[] = []
const subvolumes: string[] = []
test.after(() => {
  for (const s of made) onHost(HOSTS.core, ['btrfs', 'subvolume', 'delete', `${DIR}/${s}`])
  for (const p of subvolumes) onHost(HOSTS.core, ['btrfs', 'subvolume', 'delete', p])
})

test("make snapshot CONFIG=lab/config: a read-only snapshot of the core's export, listed by snapshot-list", () => {
  const r = labMake('snapshot')
  assert.is(r.code, 0, r.stdout + r.stderr)
  const name = /created \/srv\/\.snapshots\/ktrdr-shared\/(ktrdr-\S+) \(read-only\)/.exec(r.stdout)?.[1]
  assert.ok(name, r.stdout)
  made.push(name!)
  assert.ok(existsSync(hostPath(HOSTS.core, `${DIR}/${name}/db-backups`)), 'the snapshot holds the export')
  const ro = onHost(HOSTS.core, ['btrfs', 'property', 'get', '-ts', `${DIR}/${name}`, 'ro'])
  assert.is(ro.stdout.trim(), 'ro=true')
  const list = labMake('snapshot-list')
  assert.is(list.code, 0, list.stderr)
  assert.match(list.stdout, 'on ktrdr-core (ssh root@ktrdr-core.internal)')
  assert.match(list.stdout, new RegExp(`^${name}\\s+\\S+\\s+\\S+\\s+keep`, 'm'))
})

test('snapshot-prune, snapshot-copy to the second disk, and the runbook: a new export from the copy', () => {
  // Three snapshots in one hour of rehearsed time (NOW=), older than anything the lab made for real: the hour
  // keeps its newest, the series its oldest, and the one between is the policy's to prune.
  const at = ['2020-01-01T10:00:00Z', '2020-01-01T10:20:00Z', '2020-01-01T10:40:00Z']
  for (const now of at) {
    const r = labMake('snapshot', { NOW: now })
    assert.is(r.code, 0, r.stdout + r.stderr)
    made.push(`ktrdr-${now.replace(/:/g, '-')}`)
  }
  const [oldest, between, newest] = made.slice(-3) as [string, string, string]
  // A day later in rehearsed time the hourly slots have moved on: the older one goes, never the newest.
  const dry = labMake('snapshot-prune', { NOW: '2020-01-03T12:00:00Z', DRY_RUN: '1' })
  assert.is(dry.code, 0, dry.stdout + dry.stderr)
  assert.match(dry.stdout, new RegExp(`${between}\\s.*would go`))
  assert.ok(existsSync(hostPath(HOSTS.core, `${DIR}/${between}`)), 'a dry run deletes nothing')
  // The copy: the newest snapshot of the lab's export, received read-only on the second disk.
  const copy = labMake('snapshot-copy', { TO: USB })
  assert.is(copy.code, 0, copy.stdout + copy.stderr)
  const sent = /copied (ktrdr-\S+) to \/mnt\/usb\/ktrdr-shared/.exec(copy.stdout)?.[1]
  assert.ok(sent, copy.stdout)
  subvolumes.push(`${USB}/${sent}`)
  assert.is(onHost(HOSTS.core, ['btrfs', 'property', 'get', '-ts', `${USB}/${sent}`, 'ro']).stdout.trim(), 'ro=true')
  const again = labMake('snapshot-copy', { TO: USB })
  assert.is(again.code, 0, again.stderr)
  assert.match(again.stdout, `${sent} is already there: nothing to copy`)
  // docs/runbook.md, "Node A's disk is gone": a writable snapshot of the received copy is the new export,
  // with the backups and the results as they were at the snapshot.
  const restored = `${USB}/restored-export`
  const mk = onHost(HOSTS.core, ['btrfs', 'subvolume', 'snapshot', `${USB}/${sent}`, restored])
  assert.is(mk.code, 0, mk.stderr)
  subvolumes.push(restored)
  const list = (root: string) =>
    onHost(HOSTS.core, ['bash', '-c', `cd '${root}' && find db-backups results -maxdepth 1 | sort`]).stdout
  assert.is(list(restored), list(`${DIR}/${sent}`))
  assert.match(list(restored), /^db-backups$/m)
  assert.is(onHost(HOSTS.core, ['touch', `${restored}/results/writable`]).code, 0, 'the new export is writable')
  // snapshot-prune for real: the one between goes, the hour's newest and the series' oldest stay.
  const prune = labMake('snapshot-prune', { NOW: '2020-01-03T12:00:00Z' })
  assert.is(prune.code, 0, prune.stdout + prune.stderr)
  assert.not.ok(existsSync(hostPath(HOSTS.core, `${DIR}/${between}`)), `${between} pruned`)
  for (const kept of [oldest, newest]) assert.ok(existsSync(hostPath(HOSTS.core, `${DIR}/${kept}`)), `${kept} kept`)
})

test.run()
