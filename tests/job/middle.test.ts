// The middle layer: the rendered jobs run under bash as on a host, with docker (and what runs in the container)
// stood in for on PATH (tests/helpers/stubs.ts) — the risky paths in seconds, no lab: a deploy whose new
// release is unhealthy rolls back; the restore's swap committed, failed, or committed with its drop failing;
// a dump whose pg_dump or snapshot fails leaves nothing; a lock held by another job, and forced.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dumpVars } from '../../lib/backup/job.ts'
import type { Config } from '../../lib/config/model.ts'
import type { HostDeploy } from '../../lib/deploy/plan.ts'
import { DEPLOY_LIB, deployBody } from '../../lib/deploy/scripts.ts'
import { events } from '../../lib/job/protocol.ts'
import { bind, framed, renderScript, type ScriptParts } from '../../lib/job/render.ts'
import { RESTORE_LIB } from '../../lib/restore/job.ts'
import { stubs } from '../helpers/stubs.ts'
import { tempDir } from '../helpers/tmp.ts'

process.env.KTRDR_OPERATOR = 'e2e@test' // the audit line names the operator

const bash = (parts: ScriptParts, env: Record<string, string>) => {
  const r = spawnSync('bash', ['-s'], {
    input: framed(renderScript(parts)),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, events: events(r.stdout) }
}
const detail = (r: { events: { event: string; detail: string }[] }, name: string) =>
  r.events.filter((e) => e.event === name).map((e) => e.detail)

// --- deploy: unhealthy → rollback to .prev -------------------------------------------------------------------
const OLD = '# ktrdr-tag: sha-0ld0001\nservices: {}\n'
const NEW = '# ktrdr-tag: sha-new0001\nservices: {}\n'
/** docker as a host has it: `compose up` moves to the next phase; `ps` reports the phase's health. */
const dockerHost = (state: string) =>
  `
phase=$(cat ${state}/phase 2>/dev/null || echo 0)
case "$1 $2" in
  "compose -f") case " $* " in *" up "*) echo $((phase + 1)) > ${state}/phase ;; esac ;;
  "login --username") cat >/dev/null ;;
  "ps -a") if [ "$phase" = 1 ]; then printf 'worker-1\\tw1\\trunning\\tUp 2 seconds (unhealthy)\\n'; ` +
  `else printf 'worker-1\\tw1\\trunning\\tUp 2 seconds (healthy)\\n'; fi ;;
esac`

/** The real binder (deployBody) for an inline host deploy whose compose file is in `dir`. */
function deployParts(dir: string, current = false): ScriptParts {
  const d = {
    label: 'node B',
    job: 'deploy-workers',
    locks: [],
    composePath: join(dir, 'docker-compose.workers.yml'),
    compose: NEW,
    files: [],
    services: ['worker-1'],
    pullServices: ['worker-1'],
    images: [],
    composeImages: [],
    secretExports: {},
  } as unknown as HostDeploy
  const cfg = {
    stack: {
      registry: { url: 'registry.internal/ktrdr' },
      images: { worker: 'ktrdr-worker' },
      deploys: { keep_records: 3 },
    },
  } as unknown as Config
  const body = deployBody(cfg, d, { tag: 'sha-new0001', forceUnlock: false, healthTimeoutS: 5 }, current)
  return { env: { REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: 'p\'w"$ \\x' }, lib: DEPLOY_LIB, body }
}

test('deploy: the new release is unhealthy → the previous file comes back, audited rolled-back-to, exit 76', () => {
  const dir = tempDir('ktrdr-mid-deploy-')
  const state = tempDir('ktrdr-mid-state-')
  writeFileSync(join(dir, 'docker-compose.workers.yml'), OLD)
  const s = stubs({ docker: dockerHost(state) })
  const r = bash(deployParts(dir), { PATH: s.path, HOME: dir })
  assert.is(r.code, 76, r.stdout + r.stderr)
  assert.equal(detail(r, 'unhealthy'), [' /w1 unhealthy'])
  assert.equal(detail(r, 'rollback'), ['sha-0ld0001'])
  assert.is(readFileSync(join(dir, 'docker-compose.workers.yml'), 'utf8'), OLD, 'the previous file is back')
  assert.not.ok(existsSync(join(dir, 'docker-compose.workers.yml.prev')))
  assert.match(
    readFileSync(join(dir, 'deploy-audit.log'), 'utf8'),
    / operator=e2e@test tag=sha-new0001 services=worker-1 action=deploy result=rolled-back-to=sha-0ld0001\n$/,
  )
  const ups = s.calls().filter((c) => c.includes(' up -d '))
  assert.is(ups.length, 2, 'up for the new release, up again for the old one')
  assert.ok(s.calls().some((c) => c.startsWith('docker login --username ci --password-stdin registry.internal')))
  assert.not.ok(
    s.calls().some((c) => c.includes("p'w")),
    'the password never reaches an argv',
  )
})

const unhealthyNoRollback =
  'deploy: unhealthy with nothing to roll back to → exit 77, audited unhealthy; current → no login, no pull'
test(unhealthyNoRollback, () => {
  const dir = tempDir('ktrdr-mid-deploy-')
  const state = tempDir('ktrdr-mid-state-')
  const s = stubs({ docker: dockerHost(state) })
  const r = bash(deployParts(dir, true), { PATH: s.path, HOME: dir })
  assert.is(r.code, 77, r.stdout + r.stderr)
  assert.match(readFileSync(join(dir, 'deploy-audit.log'), 'utf8'), /result=unhealthy\n$/)
  assert.not.ok(
    s.calls().some((c) => c.startsWith('docker login') || c.includes(' pull ')),
    s.calls().join('\n'),
  )
  assert.equal(detail(r, 'current'), [
    'every image is on the host at the digest the registry has for it: no login, no pull',
  ])
})

// --- restore: the swap ---------------------------------------------------------------------------------------
/** docker for the core: `ps` finds the db (and no backend); `exec … psql` answers the swap as the test says. */
const dockerCore = (swap: string) => `
case "$1" in
  ps) case " $* " in *service=db*) echo cid-db ;; esac ;;
  exec) case " $* " in *" psql "*) input=$(cat); case "$input" in *RENAME*) ${swap} ;; esac ;; esac ;;
esac`
const swapParts = (shared: string): ScriptParts => ({
  lib: RESTORE_LIB,
  body: [
    ...bind({
      dir: join(shared, 'db-backups'),
      cdir: '/mnt/shared/db-backups',
      mount: shared,
      compose_path: '/opt/ktrdr-core/docker-compose.core.yml',
      project: 'ktrdr-core',
      db_user: 'ktrdr',
      scratch: 'ktrdr_restore_20261127t030000z',
      live: 'ktrdr',
      old: 'ktrdr_old_20261127t030000z',
    }),
    'db_container',
    'stop_backend',
    'swap',
  ],
})
/** A shared mount for the restore's check: a tmpfs of the test's own (mountpoint -q must say yes). */
const mounted = () => {
  const d = tempDir('ktrdr-mid-shared-')
  assert.is(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'ktrdr-mid', d]).status, 0)
  process.once('exit', () => spawnSync('umount', [d]))
  return d
}

test('swap: committed, the replaced copy kept (not dropped in the window); the live database never reopened', () => {
  const s = stubs({ docker: dockerCore("echo '::ktrdr swap-committed'; echo '::ktrdr kept'") })
  const r = bash(swapParts(mounted()), { PATH: s.path })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.equal(detail(r, 'swapped'), ['ktrdr'])
  assert.equal(detail(r, 'kept'), ['ktrdr_old_20261127t030000z'])
  assert.equal(detail(r, 'warn'), [])
  const execs = s.calls().filter((c) => c.startsWith('docker exec'))
  assert.ok(
    execs.some((c) =>
      c.includes('-v live=ktrdr -v scratch=ktrdr_restore_20261127t030000z -v old=ktrdr_old_20261127t030000z'),
    ),
  )
  assert.not.ok(
    execs.some((c) => c.includes('-v live=ktrdr -U ktrdr -d postgres') && !c.includes('scratch')),
    'no reopen',
  )
})

test('swap: psql fails before COMMIT → "the live database is unchanged", and it takes connections again', () => {
  const s = stubs({ docker: dockerCore('echo "ERROR: database is being accessed" >&2; exit 3') })
  const r = bash(swapParts(mounted()), { PATH: s.path })
  assert.is(r.code, 1)
  assert.equal(detail(r, 'failed'), ['the swap failed; the live database is unchanged'])
  assert.ok(
    s.calls().some((c) => c === 'docker exec -i cid-db psql -X -q -v live=ktrdr -U ktrdr -d postgres'),
    s.calls().join('\n'),
  )
})

test('swap: psql fails after its COMMIT → swapped, the replaced copy kept, a warning says so', () => {
  const s = stubs({ docker: dockerCore("echo '::ktrdr swap-committed'; echo '::ktrdr kept'; exit 3") })
  const r = bash(swapParts(mounted()), { PATH: s.path })
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.equal(detail(r, 'swapped'), ['ktrdr'])
  assert.equal(detail(r, 'kept'), ['ktrdr_old_20261127t030000z'])
  assert.equal(detail(r, 'warn'), ['psql exited 3 after the swap committed: ktrdr is the restored copy'])
})

test('restore-cleanup drops only replaced copies: a name that is not one stops it before any DROP', () => {
  const parts = (names: string[]): ScriptParts => ({
    lib: RESTORE_LIB,
    body: [
      ...bind({ compose_path: '/opt/ktrdr-core/docker-compose.core.yml', project: 'ktrdr-core', db_user: 'ktrdr' }),
      ...bind({ live: 'ktrdr', drop_names: names }),
      'db_container',
      'drop_replaced',
    ],
  })
  const s = stubs({ docker: dockerCore('') })
  const ok = bash(parts(['ktrdr_old_20261127t030000z']), { PATH: s.path })
  assert.is(ok.code, 0, ok.stdout + ok.stderr)
  assert.equal(detail(ok, 'dropped'), ['ktrdr_old_20261127t030000z'])
  const drops = () => s.calls().filter((c) => c.includes('-v name=')).length
  assert.is(drops(), 1)
  for (const name of ['ktrdr', 'ktrdr_old_x', 'other_old_20261127t030000z', 'ktrdr_old_20261127t030000z;x']) {
    const r = bash(parts([name]), { PATH: s.path })
    assert.is(r.code, 1, name)
    assert.equal(detail(r, 'failed'), [`${name} is not a replaced copy of ktrdr: not dropped`])
  }
  assert.is(drops(), 1, 'no DROP ran for any of them')
})

// --- backup: a dump that fails leaves nothing ----------------------------------------------------------------
/** docker for a dump: the snapshot session (psql via coproc) and pg_dump behave as the test says. */
const dockerDump = (o: { snapshot: string; pgDump: string }) =>
  `
case "$1" in
  ps) echo cid-db ;;
  exec) case " $* " in
    *" pg_dump -Fc "*) ${o.pgDump} ;;
    *" pg_dumpall "*) exit 0 ;;
    *" psql -X -q -A -t "*) read -r _; read -r _; read -r _; ${o.snapshot}; ` +
  `while read -r l; do case "$l" in "SELECT '::end';") ` +
  `echo '{"server_version":"17"}'; echo '[]'; echo ::end ;; esac; done ;;
  esac ;;
esac`
const dumpParts = (shared: string): ScriptParts => ({
  lib: RESTORE_LIB,
  body: [
    ...bind({
      dir: join(shared, 'db-backups'),
      cdir: '/mnt/shared/db-backups',
      mount: shared,
      compose_path: '/opt/ktrdr-core/docker-compose.core.yml',
      project: 'ktrdr-core',
      db_user: 'ktrdr',
    }),
    ...dumpVars({
      base: 'ktrdr-20261127T020000Z',
      kind: 'daily',
      database: 'ktrdr',
      host: 'ktrdr-core',
      at: new Date('2026-11-27T02:00:00Z'),
    }),
    'backups_dir',
    'db_container',
    'dump',
  ],
})

test('dump: pg_dump fails → "pg_dump failed: <its last lines>", nothing in the backups directory', () => {
  const shared = mounted()
  const s = stubs({
    docker: dockerDump({
      snapshot: 'echo 00000003-0000001B-1',
      pgDump: 'echo "pg_dump: error: connection lost" >&2; exit 1',
    }),
  })
  const r = bash(dumpParts(shared), { PATH: s.path })
  assert.is(r.code, 1, r.stdout + r.stderr)
  assert.equal(detail(r, 'failed'), ['pg_dump failed: pg_dump: error: connection lost '])
  assert.equal(readdirSync(join(shared, 'db-backups')), [])
})

test('dump: no snapshot from the server → refused before pg_dump runs, nothing left', () => {
  const shared = mounted()
  const s = stubs({
    docker: dockerDump({ snapshot: 'echo "FATAL: too many connections" >&2; exit 2', pgDump: 'exit 0' }),
  })
  const r = bash(dumpParts(shared), { PATH: s.path })
  assert.is(r.code, 1)
  assert.match(detail(r, 'failed')[0]!, 'cannot open a snapshot of database ktrdr:')
  assert.not.ok(
    s.calls().some((c) => c.includes('pg_dump -Fc')),
    'pg_dump never ran',
  )
  assert.equal(readdirSync(join(shared, 'db-backups')), [])
})

// --- the lock -------------------------------------------------------------------------------------------------
const scope = `test-${process.pid}`
const lockParts = (force = false): ScriptParts => ({
  lib: ['job/lock.sh'],
  body: [
    ...(force ? ['ktrdr_force_unlock=1'] : []),
    `ktrdr_lock ${scope} x 'restore by bob@mac since then'`,
    'ktrdr_event took',
  ],
})

const lockHeldForce =
  'lock: held by another job → exit 75 naming it; FORCE stops that job, takes the lock; free once it ends'
test(lockHeldForce, async () => {
  mkdirSync('/run/lock/ktrdr', { recursive: true })
  const holder = spawn('setsid', ['bash', '-s'], { stdio: ['pipe', 'pipe', 'ignore'] })
  holder.stdin.end(
    renderScript({
      lib: ['job/lock.sh'],
      body: [`ktrdr_lock ${scope} s 'backup by ann@mac'`, 'echo ready', 'sleep 60'],
    }),
  )
  // Its first line is the lock step's event, printed before the lock is taken: wait for `ready`.
  let said = ''
  await new Promise<void>((ready) =>
    holder.stdout.on('data', (d) => {
      said += d
      if (said.includes('ready\n')) ready()
    }),
  )
  const refused = bash(lockParts(), {})
  assert.is(refused.code, 75)
  assert.equal(detail(refused, 'locked'), ['backup by ann@mac'])
  const forced = bash(lockParts(true), {})
  assert.is(forced.code, 0, forced.stderr)
  assert.equal(detail(forced, 'warn'), [`stopping the job that held ${scope}: backup by ann@mac`])
  assert.equal(detail(forced, 'took'), [''])
  await new Promise((gone) => (holder.exitCode !== null ? gone(null) : holder.once('exit', gone)))
  assert.is(bash(lockParts(), {}).code, 0, 'free once its job ended')
  assert.equal(
    readdirSync('/run/lock/ktrdr').filter((f) => f.startsWith(`${scope}.owner.`)),
    [],
    'no owner line left',
  )
})

test.run()
