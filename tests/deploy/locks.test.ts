// Locks you can see and release, through make lock-status and make unlock in the lab: a job holding node B's
// lock the way lib/job/lock.sh takes it is named with its run's state; unlock refuses while that run is alive,
// stops it with FORCE=1 (or at once when the run is gone), audits it on B, and leaves the lock free.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HOSTS, holdLock, hostPath, lockHeld, recordingMake } from '../helpers/lab.ts'

const { run } = recordingMake()
const B = HOSTS.b
const held = () => lockHeld(B, 'node-b')
const auditLines = () => readFileSync(hostPath(B, '/opt/ktrdr-workers-b/deploy-audit.log'), 'utf8').trim().split('\n')

/** A job on B holding node-b; its owner line names `runPid` as the workstation run (the lab's operator). */
const holder = (runPid: number | 'self') =>
  holdLock(
    B,
    'node-b',
    `"deploy-workers by e2e@test pid ${runPid === 'self' ? '$$' : runPid} since 2026-11-30T10:00:00Z tag sha-0000000"`,
  )
const ended = (c: ChildProcess) => new Promise((ok) => (c.exitCode !== null ? ok(0) : c.once('exit', ok)))

test('nothing held: lock-status says so per host, unlock has nothing to do', () => {
  const s = run('lock-status', { NODE: 'all' })
  assert.is(s.code, 0, s.stderr)
  for (const h of [HOSTS.core, HOSTS.b, HOSTS.c]) assert.match(s.stdout, `${h}: no lock held`)
  const u = run('unlock', { NODE: 'B' })
  assert.is(u.code, 0, u.stderr)
  assert.match(u.stdout, 'node B: no lock held on ktrdr-workers-b: nothing to do')
})

test('a live run: lock-status names it; unlock refuses; FORCE=1 stops it, audited, lock free', async () => {
  const h = await holder('self')
  try {
    const s = run('lock-status', { NODE: 'B' })
    assert.is(s.code, 0, s.stderr)
    assert.match(s.stdout, new RegExp(`ktrdr-workers-b: node-b held by ${h.owner} \\(for \\d+d \\d{2}h\\); its run`))
    const u = run('unlock', { NODE: 'B' })
    assert.is(u.code, 2, u.stdout + u.stderr)
    assert.match(u.stderr, `node B: node-b is held by ${h.owner}; its run (pid`)
    assert.match(u.stderr, 'is alive: refused')
    assert.ok(held(), 'the refusal released the lock')
    const f = run('unlock', { NODE: 'B', FORCE: '1' })
    assert.is(f.code, 0, f.stdout + f.stderr)
    assert.match(f.stdout, `node B: stopped ${h.owner}; node-b is free`)
    await ended(h.child)
    assert.not.ok(held())
    assert.match(auditLines().at(-1)!, ` operator=e2e@test unlock scope=node-b stopped=${h.owner}`)
  } finally {
    h.child.kill('SIGKILL')
  }
})

test('an orphaned job (its run is gone): unlock stops it without FORCE', async () => {
  // A pid that is not running here: the run that took the lock has ended.
  const gone = spawn('true')
  await ended(gone)
  const h = await holder(gone.pid!)
  try {
    const s = run('lock-status', { NODE: 'B' })
    assert.match(s.stdout, `its run (pid ${gone.pid} here) is gone: the job on the host is orphaned`)
    const u = run('unlock', { NODE: 'B' })
    assert.is(u.code, 0, u.stdout + u.stderr)
    assert.match(u.stdout, `node B: stopped ${h.owner}`)
    await ended(h.child)
    assert.not.ok(held())
  } finally {
    h.child.kill('SIGKILL')
  }
})

test('unlock needs NODE, and a guard from the environment is refused', () => {
  const u = run('unlock', {})
  assert.is(u.code, 2)
  assert.match(u.stderr, 'no node: pass NODE=<name> or NODE=core')
  const e = run('unlock', { NODE: 'B' }, { FORCE: '1' })
  assert.is(e.code, 2)
  assert.match(e.stderr, 'FORCE=1 is set in the environment')
})

test.run()
