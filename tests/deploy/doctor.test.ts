// make doctor in the lab, through its make target: everything ready → exit 0; then a bad day at once — C's
// shared mount gone (an empty directory left), 1Password signed out, a node D whose host does not exist —
// each named with its fix, non-zero; nothing changed anywhere (read-only checks).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy } from '../helpers/config-copy.ts'
import { HOSTS, LAB_CONFIG, LAB_DIR, onHost, recordingMake } from '../helpers/lab.ts'
import { tempDir } from '../helpers/tmp.ts'

const SHARED = '/mnt/ktrdr-shared'
const { run } = recordingMake()
const remount = () => {
  if (onHost(HOSTS.c, ['mountpoint', '-q', SHARED]).code !== 0)
    onHost(HOSTS.c, ['mount', '--bind', join(LAB_DIR, 'shared'), SHARED])
}
test.after(remount)

test('everything ready: every check ok, exit 0', () => {
  const r = run('doctor', {})
  assert.is(r.code, 0, r.stdout + r.stderr)
  for (const h of [HOSTS.core, HOSTS.b, HOSTS.c]) assert.match(r.stdout, `${h}\n  ok   ssh      root@${h}.internal`)
  assert.match(r.stdout, /^ {2}ok {3}op {7}signed in$/m)
  assert.match(r.stdout, /^ {2}ok {3}mount {4}\/mnt\/ktrdr-shared is mounted$/m)
  assert.not.match(r.stdout, 'FAIL')
  assert.match(r.stdout, 'ready to deploy')
})

test('a bad day: an empty mount point, op signed out, a host that is not there — each with its fix', () => {
  const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8'))
  const signedOut = join(tempDir('ktrdr-vault-'), 'vault.json')
  writeFileSync(signedOut, JSON.stringify({ ...vault, desktop_session: false }), { mode: 0o600 })
  const dir = configCopy(
    [
      {
        file: 'worker-nodes.yml',
        from: /$/,
        to:
          '  - name: D\n    host: ktrdr-workers-d\n    address: 198.18.50.99\n' +
          '    compose_path: /opt/ktrdr-workers-d/docker-compose.workers.yml\n',
      },
    ],
    LAB_CONFIG,
  )
  assert.is(onHost(HOSTS.c, ['umount', SHARED]).code, 0)
  const r = run('doctor', { CONFIG: dir }, { OP_STANDIN_VAULT: signedOut, OP_SERVICE_ACCOUNT_TOKEN: '' })
  assert.is(r.code, 2, r.stdout + r.stderr)
  assert.match(
    r.stdout,
    `${HOSTS.c}\n  ok   ssh      root@${HOSTS.c}.internal\n` +
      `  ok   dns      ${HOSTS.c}.internal is 198.18.50.12 (from this machine)\n`,
  )
  assert.match(
    r.stdout,
    '  FAIL mount    /mnt/ktrdr-shared is an empty directory, not a mount — fix: mount the NFS export there',
  )
  assert.match(r.stdout, /^ {2}FAIL op {7}not signed in \(.*\) — fix: eval \$\(op signin\)/m)
  assert.match(r.stdout, /ktrdr-workers-d\n {2}FAIL ssh .* — fix: /)
  assert.match(r.stdout, '  FAIL dns      ktrdr-workers-d.internal does not resolve from this machine')
  assert.match(r.stdout, /(\d+) problem\(s\) would stop a deploy/)
  assert.is(onHost(HOSTS.c, ['ls', '-A', SHARED]).stdout, '', 'doctor wrote nothing')
})

test.run()
