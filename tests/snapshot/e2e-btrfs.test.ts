// e2e on real btrfs: a 300 MB image on a loop device this test attaches and detaches itself, mounted on the
// lab's ktrdr-core (in its own mount namespace), driven through the make targets with --local on that host
// (as an operator logged in there) and over SSH from the workstation. Simulated times come from NOW=… (--now).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, REPO } from '../helpers/config-copy.ts'
import { anchorOf, HOSTS, hostPath, LAB_DIR } from '../helpers/lab.ts'
import { make, run, type RunResult } from '../helpers/run.ts'
import { loadConfig } from '../../lib/config/load.ts'
import { snapshotSettings } from '../../lib/snapshot/config.ts'
import { snapshotHost } from '../../lib/snapshot/host.ts'
import { deleteScript } from '../../lib/snapshot/scripts.ts'

const LAB_CONFIG = join(REPO, 'lab/config')
const PREFIX = 'ktrdr-snap-e2e-'
const CORE = HOSTS.core

const w = { dir: '', mnt: '', loop: '', configs: [] as string[] }
const src = () => join(w.mnt, 'shared')
const snaps = () => join(w.mnt, '.snapshots')
/** A path of the core host (where the btrfs is mounted) as this machine sees it. */
const see = (p: string) => hostPath(CORE, p)
const ls = (d: string) =>
  existsSync(see(d))
    ? readdirSync(see(d))
        .filter((n) => !n.startsWith('.'))
        .sort()
    : []
const N = (t: string) => `ktrdr-${t.replace(/:/g, '-')}` // 2026-11-11T10:00:00Z → ktrdr-2026-11-11T10-00-00Z

/** argv that runs a command as root on the core host, in the repository, with a root shell's environment. */
const onCoreArgv = (args: string[], env: Record<string, string> = {}) => [
  'nsenter',
  ...['-t', anchorOf(CORE), '-n', '-m', '-u', `--wd=${REPO}`, '--', 'env', '-i'],
  ...[`PATH=${process.env.PATH}`, 'HOME=/root', 'NO_COLOR=1', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
  ...args,
]
const onCore = (args: string[], env: Record<string, string> = {}) => {
  const [cmd, ...rest] = onCoreArgv(args, env)
  return run(cmd!, rest)
}
const makeArgs = (target: string, vars: Record<string, string>) => [
  'make',
  '--no-print-directory',
  '-s',
  target,
  ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
]

function must(cmd: string, args: string[], where: 'here' | 'core' = 'here'): string {
  const r = where === 'core' ? onCore([cmd, ...args]) : run(cmd, args)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

/** A config set from lab/config with this snapshots: section (YAML lines under it) instead of its own. */
function cfgWith(lines: string[] | undefined): string {
  const section = lines ? `\n\nsnapshots:\n${lines.map((l) => `  ${l}`).join('\n')}\n` : '\n'
  const dir = configCopy(
    [{ file: 'stack-config.yml', from: /\n+snapshots:[\s\S]*$/, to: section }],
    LAB_CONFIG,
    w.dir, // the core host runs make with it: its /tmp is its own
  )
  w.configs.push(dir)
  return dir
}
const good = (keep = '{ hourly: 3, daily: 3, weekly: 2 }') =>
  cfgWith(['backend: btrfs', `source: ${src()}`, `dir: ${snaps()}`, `keep: ${keep}`, `copy_to: ${join(w.mnt, 'copy')}`])

let CFG = ''
/** make <target> LOCAL=1 on the core host. */
const mk = (target: string, vars: Record<string, string> = {}, env: Record<string, string> = {}): RunResult =>
  onCore(makeArgs(target, { CONFIG: CFG, LOCAL: '1', ...vars }), env)
/** One table row: the cells in order, whatever the column widths. */
const row = (...cells: string[]) =>
  new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}`, 'm')
const ok = (r: RunResult) => {
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** Several make runs at once on the core host (node is slow to start here): same result shape as make(). */
function makeAll(
  runs: { target: string; vars: Record<string, string>; env?: Record<string, string> }[],
): Promise<RunResult[]> {
  return Promise.all(
    runs.map(
      ({ target, vars, env }) =>
        new Promise<RunResult>((done) => {
          const [cmd, ...args] = onCoreArgv(makeArgs(target, vars), env)
          const p = spawn(cmd!, args, { cwd: REPO })
          const out = { stdout: '', stderr: '' }
          p.stdout.on('data', (d) => (out.stdout += d))
          p.stderr.on('data', (d) => (out.stderr += d))
          p.on('close', (code) => done({ code: code ?? -1, ...out }))
        }),
    ),
  )
}

/** Detach only what this test attached: loop devices backed by our own image files. */
function teardown(dir: string): void {
  const mnt = join(dir, 'mnt')
  // busy: detach lazily
  if (onCore(['mountpoint', '-q', mnt]).code === 0 && onCore(['umount', mnt]).code !== 0) onCore(['umount', '-l', mnt])
  for (const line of run('losetup', ['-j', join(dir, 'img')]).stdout.split('\n')) {
    const dev = line.split(':')[0]
    if (dev) run('losetup', ['-d', dev])
  }
  if (onCore(['mountpoint', '-q', mnt]).code !== 0) rmSync(dir, { recursive: true, force: true })
}

test.before(() => {
  // A run killed before its teardown leaves its directory behind: clean ours that are over 10 minutes old.
  for (const d of readdirSync(LAB_DIR).filter((n) => n.startsWith(PREFIX))) {
    const path = join(LAB_DIR, d)
    if (Date.now() - statSync(path).mtimeMs > 600_000) teardown(path)
  }
  // Under the lab dir: a path the core host sees too (its /tmp is its own).
  w.dir = mkdtempSync(join(LAB_DIR, PREFIX))
  w.mnt = join(w.dir, 'mnt')
  process.on('exit', () => w.dir && teardown(w.dir))
  must('truncate', ['-s', '300M', join(w.dir, 'img')])
  w.loop = must('losetup', ['--find', '--show', join(w.dir, 'img')])
  must('mkfs.btrfs', ['-q', w.loop])
  mkdirSync(w.mnt)
  must('mount', [w.loop, w.mnt], 'core')
  must('btrfs', ['subvolume', 'create', src()], 'core')
  mkdirSync(see(join(src(), 'results/job-1')), { recursive: true })
  writeFileSync(see(join(src(), 'results/job-1/metrics.json')), '{"sharpe": 1.7}\n')
  CFG = good()
})

test.after(() => {
  if (w.dir) teardown(w.dir)
  w.dir = ''
  for (const c of w.configs) rmSync(c, { recursive: true, force: true })
})

// Nine snapshots over ten days. With keep hourly 3 / daily 3 / weekly 2 and now = 11-11 11:00Z, restic's
// walk keeps i (hour, day, week), h (hour 09), f (hour 08), d (day 10), b (day 09), a (week 45): g, e, c go.
const T = {
  a: '2026-11-02T10:00:00Z',
  b: '2026-11-09T10:00:00Z',
  c: '2026-11-10T08:00:00Z',
  d: '2026-11-10T09:00:00Z',
  e: '2026-11-11T08:00:00Z',
  f: '2026-11-11T08:30:00Z',
  g: '2026-11-11T09:00:00Z',
  h: '2026-11-11T09:45:00Z',
  i: '2026-11-11T10:00:00Z',
}

test('snapshot at nine simulated times: named by UTC time, read-only', async () => {
  assert.match(ok(mk('snapshot', { NOW: T.a })), `created ${snaps()}/${N(T.a)} (read-only)`) // builds dist/ if needed
  // The other eight at once: creates share the lock, so they run side by side.
  const rest = Object.entries(T).slice(1)
  // One given with an offset: the name is still UTC.
  const outs = await makeAll(
    rest.map(([k, t]) => ({
      target: 'snapshot',
      vars: { CONFIG: CFG, LOCAL: '1', NOW: k === 'h' ? '2026-11-11T10:45:00+01:00' : t },
    })),
  )
  outs.forEach((r, i) => {
    assert.match(ok(r), `created ${snaps()}/${N(rest[i]![1])} (read-only)`)
  })
  assert.equal(ls(snaps()), Object.values(T).map(N))
  for (const n of ls(snaps()))
    assert.is(must('btrfs', ['property', 'get', '-ts', join(snaps(), n), 'ro'], 'core'), 'ro=true')
  assert.is.not(onCore(['touch', join(snaps(), N(T.i), 'results/job-1/x')]).code, 0, 'writing into a snapshot fails')
  const again = mk('snapshot', { NOW: T.i })
  assert.is.not(again.code, 0)
  assert.match(again.stderr, 'a snapshot with this name already exists')
})

test('list at a simulated time: name, time, age, keep/remove and why', () => {
  const out = ok(mk('snapshot-list', { NOW: '2026-11-11T11:00:00Z' }))
  assert.match(out, 'now: 2026-11-11T11:00:00Z (injected with --now / KTRDR_NOW); policy: hourly 3, daily 3, weekly 2')
  assert.match(
    out,
    row(N(T.i), '2026-11-11T10:00:00Z', '1h 00m', 'keep', 'hourly snapshot, daily snapshot, weekly snapshot'),
  )
  assert.match(
    out,
    row(N(T.g), '2026-11-11T09:00:00Z', '2h 00m', 'remove', 'outside the policy (hourly 3, daily 3, weekly 2)'),
  )
  assert.match(out, row(N(T.a), '2026-11-02T10:00:00Z', '9d 01h', 'keep', 'weekly snapshot'))
  assert.match(out, '9 snapshots: keep 6, remove 3')
})

test('prune DRY_RUN=1 earlier: a snapshot from the future is kept for clock skew; nothing is deleted', () => {
  const out = ok(
    mk('snapshot-prune', { NOW: '2026-11-11T09:50:00Z', DRY_RUN: '1' }, { KTRDR_NOW: '2030-01-01T00:00:00Z' }),
  )
  assert.match(out, row(N(T.i), '2026-11-11T10:00:00Z', 'in 10m 00s', 'keep', 'newer than now (clock skew)'))
  assert.match(out, row(N(T.c), '2026-11-10T08:00:00Z', '1d 01h', 'would go', 'outside the policy'))
  assert.match(out, '[dry run] would remove 3, keep 6')
  assert.is(ls(snaps()).length, 9)
})

test('prune at a later simulated time (KTRDR_NOW) removes exactly the ones the policy does not keep', () => {
  const out = ok(mk('snapshot-prune', {}, { KTRDR_NOW: '2026-11-11T11:00:00Z' }))
  assert.match(out, 'removed 3, kept 6')
  assert.equal(ls(snaps()), [T.a, T.b, T.d, T.f, T.h, T.i].map(N))
})

test('over SSH to ktrdr-core: snapshot, list', () => {
  const vars = { CONFIG: CFG, NOW: '2026-11-11T12:00:00Z' }
  assert.match(ok(make('snapshot', vars)), `created ${snaps()}/${N('2026-11-11T12:00:00Z')} (read-only)`)
  const list = ok(make('snapshot-list', vars))
  assert.match(list, 'on ktrdr-core (ssh root@ktrdr-core.internal)')
  // Policy at 12:00: j, i, h are the three hours; f loses its hour slot; d, b days; a the other week.
  assert.match(list, row(N(T.f), '2026-11-11T08:30:00Z', '3h 30m', 'remove'))
  assert.match(list, '7 snapshots: keep 6, remove 1')
})

test('copy: full first, then incremental from the newest snapshot both sides have, read-only on arrival', () => {
  const first = ls(snaps()).at(-1)!
  assert.match(ok(mk('snapshot-copy')), `copied ${first} to ${join(w.mnt, 'copy')}\n`)
  ok(mk('snapshot', { NOW: '2026-11-11T13:00:00Z' }))
  const second = N('2026-11-11T13:00:00Z')
  assert.match(ok(mk('snapshot-copy')), `copied ${second} to ${join(w.mnt, 'copy')} (incremental from ${first})`)
  assert.match(ok(mk('snapshot-copy')), 'is already in')
  assert.equal(ls(join(w.mnt, 'copy')), [first, second])
  assert.is(must('btrfs', ['property', 'get', '-ts', join(w.mnt, 'copy', second), 'ro'], 'core'), 'ro=true')
  assert.is(readFileSync(see(join(w.mnt, 'copy', second, 'results/job-1/metrics.json')), 'utf8'), '{"sharpe": 1.7}\n')
  // The copies are pruned by the same policy (an hourly copy would fill the disk): with hourly 1 and a third
  // snapshot sent, the newest stays, the next copy's parent; never a name that is not ours.
  mkdirSync(see(join(w.mnt, 'copy', 'not-ours')))
  const tight = good('{ hourly: 1, daily: 0, weekly: 0 }')
  ok(mk('snapshot', { CONFIG: tight, NOW: '2026-11-11T14:00:00Z' }))
  const third = N('2026-11-11T14:00:00Z')
  const pruned = ok(mk('snapshot-copy', { CONFIG: tight, NOW: '2026-11-11T14:00:00Z' }))
  assert.match(pruned, `copied ${third} to ${join(w.mnt, 'copy')} (incremental from ${second})`)
  assert.match(pruned, `pruned 2 older copies there: ${second}, ${first}`, pruned)
  assert.equal(ls(join(w.mnt, 'copy')), [third, 'not-ours'])
  must('rmdir', [join(w.mnt, 'copy', 'not-ours')], 'core')
})

test('restore one file from a snapshot: cp --reflink=auto (docs/snapshots.md)', () => {
  const file = join(src(), 'results/job-1/metrics.json')
  writeFileSync(see(file), 'overwritten by a bad job\n')
  const snap = join(snaps(), ls(snaps()).at(-1)!)
  must('cp', ['--reflink=auto', '--preserve=all', join(snap, 'results/job-1/metrics.json'), file], 'core')
  assert.is(readFileSync(see(file), 'utf8'), '{"sharpe": 1.7}\n')
})

test('the host refuses to delete the newest snapshot even when asked to', async () => {
  const s = snapshotSettings(loadConfig(CFG))
  const newest = ls(snaps()).at(-1)!
  const host = snapshotHost(loadConfig(CFG), s.host, false)
  const err = await host.run(deleteScript(s.target, [newest], s.prefix, 'e2e')).catch((e: Error) => e)
  assert.match(String(err), `refused to delete the newest snapshot: ${newest}`)
  assert.ok(ls(snaps()).includes(newest))
})

test('keep hourly 1 at a far later time: only the newest remains', () => {
  const newest = ls(snaps()).at(-1)!
  assert.match(
    ok(
      onCore(
        makeArgs('snapshot-prune', {
          CONFIG: good('{ hourly: 1, daily: 0, weekly: 0 }'),
          LOCAL: '1',
          NOW: '2027-06-01T00:00:00Z',
        }),
      ),
    ),
    'kept 1',
  )
  assert.equal(ls(snaps()), [newest])
})

test('bad config and bad flags: the file, the field, what was found and the fix', async () => {
  mkdirSync(see(join(w.mnt, 'plain')))
  mkdirSync(join(w.dir, 'no-disk'))
  const local = (target: string, config: string, vars: Record<string, string> = {}, env?: Record<string, string>) => ({
    target,
    vars: { CONFIG: config, LOCAL: '1', ...vars },
    env,
  })
  const cases: [ReturnType<typeof local>, ...(string | RegExp)[]][] = [
    [local('snapshot', cfgWith(undefined)), 'no snapshots: section in', 'hint: add one (see docs/snapshots.md)'],
    [
      local('snapshot', cfgWith(['backend: btrfs', `source: ${src()}`, `dir: ${src()}/.snap`])),
      /stack-config\.yml:\d+:\d+ snapshots\.dir: .* is inside snapshots\.source/,
      'the snapshots would show up in the NFS export',
    ],
    [
      local('snapshot', cfgWith(['backend: btrfs', `source: ${src()}`, 'dir: snapshots'])),
      /stack-config\.yml:\d+:\d+ snapshots\.dir: must be an absolute path/,
    ],
    [
      local('snapshot', cfgWith(['backend: btrfs', `source: ${w.mnt}/plain`, `dir: ${snaps()}`])),
      `${w.mnt}/plain is not a btrfs subvolume`,
    ],
    [
      // The export's disk did not mount: an empty directory on the host's own disk where the subvolume should be.
      local('snapshot', cfgWith(['backend: btrfs', `source: ${w.dir}/no-disk`, `dir: ${snaps()}`])),
      `${w.dir}/no-disk is not on a btrfs file system: is the export's file system mounted?`,
    ],
    [
      local('snapshot-copy', cfgWith(['backend: btrfs', `source: ${src()}`, `dir: ${snaps()}`, 'copy_to: usb/ktrdr'])),
      /snapshots\.copy_to: should be a directory on another btrfs file system/,
    ],
    [
      local('snapshot-copy', CFG, { TO: join(w.dir, 'not-btrfs') }),
      `${join(w.dir, 'not-btrfs')} is not on a btrfs file system`,
    ],
    [local('snapshot', CFG, { NOW: '2026-11-11 10:00' }), '--now: expected an ISO 8601 time with a zone'],
    [local('snapshot-list', CFG, {}, { KTRDR_NOW: 'yesterday' }), 'KTRDR_NOW: expected an ISO 8601 time'],
  ]
  const outs = await makeAll(cases.map((c) => c[0]))
  outs.forEach((r, i) => {
    assert.is.not(r.code, 0, r.stdout)
    for (const x of cases[i]!.slice(1) as (string | RegExp)[]) assert.match(r.stderr, x)
  })
})

test.run()
