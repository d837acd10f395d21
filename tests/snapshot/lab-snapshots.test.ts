// lab/config's snapshots: section is the homelab's, as it is, on the lab's export (a btrfs subvolume on the
// core host): make snapshot / snapshot-list run over SSH exactly as they would against node A.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HOSTS, hostPath, labMake, onHost } from '../helpers/lab.ts'
import { existsSync } from 'node:fs'

const DIR = '/srv/.snapshots/ktrdr-shared'
const made: string[] = []
test.after(() => {
  for (const s of made) onHost(HOSTS.core, ['btrfs', 'subvolume', 'delete', `${DIR}/${s}`])
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

test.run()
