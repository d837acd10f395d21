// The bad-day mount (design §6.5, §8.4): worker C's NFS mount is gone and an empty directory is left where it
// was. A deploy of every node refuses C, naming the path and the fix, deploys B, and writes nothing to C's
// own disk; lab-status says the same. The mount comes back and C deploys again.
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureAppImages, GOOD_TAG, HOSTS, hostPath, LAB_DIR, onHost, recordingMake } from '../helpers/lab.ts'
import { run as exec } from '../helpers/run.ts'
import { readFileSync } from 'node:fs'

const SHARED = '/mnt/ktrdr-shared'
const { run } = recordingMake()
const remount = () => {
  if (onHost(HOSTS.c, ['mountpoint', '-q', SHARED]).code !== 0)
    onHost(HOSTS.c, ['mount', '--bind', join(LAB_DIR, 'shared'), SHARED])
}

test.before(() => {
  ensureAppImages()
  const r = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is(r.code, 0, r.stdout + r.stderr)
})
test.after(remount)

test("C's shared mount point is empty: C refused with the path and the fix, B deploys, C's disk untouched", () => {
  const compose = hostPath(HOSTS.c, '/opt/ktrdr-workers-c/docker-compose.workers.yml')
  const before = readFileSync(compose, 'utf8')
  assert.is(onHost(HOSTS.c, ['umount', SHARED]).code, 0)
  assert.is(onHost(HOSTS.c, ['ls', '-A', SHARED]).stdout, '', 'an empty directory is left where the mount was')

  const r = run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG })
  assert.is.not(r.code, 0)
  assert.match(r.stdout, /node B\s+ok/)
  assert.match(
    r.stdout,
    new RegExp(
      'node C\\s+FAILED — node C: preflight failed on root@ktrdr-workers-c\\.internal: ' +
        'the shared mount \\/mnt\\/ktrdr-shared is not mounted on this host',
    ),
  )
  assert.match(r.stdout, 'mount the export there')
  // The preflight group fails with the host that failed (never a ✔ right after its ✖); B still deploys.
  assert.match(r.stdout + r.stderr, /✖ Preflight \(.*\) \[FAILED: preflight failed on node C\]/)
  assert.not.match(r.stdout + r.stderr, '✔ Preflight')
  assert.is(onHost(HOSTS.c, ['ls', '-A', SHARED]).stdout, '', "nothing was written to C's own disk")
  assert.is(readFileSync(compose, 'utf8'), before, "C's compose file was not touched")

  const status = exec('bash', ['lab/lab.sh', 'status'])
  assert.is(status.code, 1, 'lab-status is non-zero')
  assert.match(status.stdout, /^ktrdr-workers-c: 198\.18\.50\.12 ssh ok, dns ok, mount FAILED, pull ok,/m)

  remount()
  const again = run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG })
  assert.is(again.code, 0, again.stdout + again.stderr)
})

test.run()
