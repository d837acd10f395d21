// The backup tests' own corner of the lab: a copy of lab/config whose core project (ktrdr-bk-e2e), backend
// port and shared mount are its own, on the lab's core host, so the lab's running core is never touched.
// The shared export is the test's own directory, bind-mounted on the core host at /mnt/<project> (as the
// lab mounts the real one at /mnt/ktrdr-shared). The db is started through the real entry point
// (make deploy-core SERVICE=db).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { configCopy, type Edit, REPO } from '../helpers/config-copy.ts'
import { HOSTS, hostPath, LAB_DIR, onHost } from '../helpers/lab.ts'
import { make, type RunResult } from '../helpers/run.ts'
import { STANDIN_BIN } from '../helpers/standins.ts'

export { LAB_DIR }
export const TAG = 'sha-e2e0001'
export const CORE = HOSTS.core

export interface World {
  config: string
  /** Same stack, backups.subdir on a 2 MB tmpfs (mounted before the db starts, so the container sees it). */
  smallConfig: string
  project: string
  /** The compose file and the backups directory as the core host has them. */
  compose: string
  hostBackups: string
  /** The same directories as this machine sees them (through the core host's mount namespace). */
  composeFile: string
  backups: string
  small: string
  env: Record<string, string>
  make(target: string, vars?: Record<string, string>, opts?: { timeout?: number; input?: string }): RunResult
  /** A command on the core host; `dc(…)` is `docker compose -f <its compose file> …` there. */
  onCore(args: string[], input?: string): RunResult
  dc(...args: string[]): RunResult
  /**
   * opts.snapshots: the export is a btrfs subvolume of the lab's shared file system (this path, on this machine
   * and the core host alike), its snapshots (snapshots.dir) the core host's bind of a directory beside it, as
   * the lab has them for its own export; the copies (copy_to) a directory on the lab's second disk (/mnt/usb).
   */
  exportDir?: string
  snapshotDir?: string
  copyDir?: string
  /** monitoring.textfile: the world's own (this machine's path and the core host's alike). */
  textfile: string
  /** The bad day: the export's bind mount on the core host goes, its empty mount point stays (and back). */
  unmountShared(): void
  mountShared(): void
  /** psql inside the test's db container; returns stdout (-A -t), throws on error. */
  sql(query: string, db?: string): string
  dbUp(): void
  down(): void
}

export function sh(cmd: string, args: string[], input = ''): RunResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 })
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stdout}${r.stderr}`)
  return r
}

/**
 * opts.pitr: keep lab/config's pitr: section (WAL archived by pgBackRest, base backups by make backup), with
 * its archive_timeout if given; without it the world has logical dumps only, as the tests before it were made.
 */
export function world(
  name = 'bk-e2e',
  opts: { backendPort?: number; pitr?: { archiveTimeout?: number; maxLag?: number }; snapshots?: boolean } = {},
): World {
  const project = `ktrdr-${name}`
  const root = mkdtempSync(join(LAB_DIR, `tmp-${name}-`))
  const mnt = `/mnt/${project}`
  const compose = `/opt/${project}/docker-compose.core.yml`
  const onCore = (args: string[], input?: string) => onHost(CORE, args, { input, timeout: 300_000 })
  const fs = join(LAB_DIR, 'shared-fs')
  const shared = opts.snapshots ? join(fs, project) : join(root, 'shared')
  // The core host's binds of the export (and with snapshots, of its snapshot directory): [src, dst].
  const snapshotDir = `/srv/.snapshots/${project}`
  const copyDir = `/mnt/usb/${project}`
  const extraBinds: [string, string][] = opts.snapshots ? [[join(fs, '.snapshots', project), snapshotDir]] : []
  /** Every subvolume under dir (snapshots, received copies), then dir itself when it is one. */
  const dropSubvolumes = (dir: string) => {
    const list = onCore(['bash', '-c', 'for d in "$1"/*/; do [[ -d $d ]] && printf "%s\\n" "${d%/}"; done', '-', dir])
    for (const d of list.stdout.split('\n').filter(Boolean)) onCore(['btrfs', 'subvolume', 'delete', d])
    if (onCore(['btrfs', 'subvolume', 'show', dir]).code === 0) onCore(['btrfs', 'subvolume', 'delete', dir])
    onCore(['rm', '-rf', dir])
  }
  if (opts.snapshots) {
    for (const d of [shared, copyDir, ...extraBinds.map(([src]) => src)]) dropSubvolumes(d) // an earlier run's
    must(onCore(['btrfs', 'subvolume', 'create', shared]), 'the export subvolume')
    for (const d of [copyDir, ...extraBinds.map(([src]) => src)]) must(onCore(['mkdir', '-p', d]), `mkdir ${d}`)
  }
  mkdirSync(join(shared, 'small'), { recursive: true })
  // umount, lazily when busy: a mount left behind outlives its directory (removed with root), and the next world
  // of this name would find the mount point taken by a deleted directory (runc: "no such file or directory").
  const unmount = (path: string) => {
    if (onCore(['umount', path]).code !== 0) onCore(['umount', '-l', path])
  }
  const mountShared = () => {
    if (onCore(['mountpoint', '-q', mnt]).code === 0) {
      const source = opts.snapshots ? `[/${project}]` : `[${shared}]`
      if (onCore(['findmnt', '-n', '-o', 'SOURCE', mnt]).stdout.includes(source)) return
      unmount(`${mnt}/small`) // an earlier world's, left behind
      unmount(mnt)
    }
    must(onCore(['mkdir', '-p', mnt]), 'mkdir of the mount point')
    must(onCore(['mount', '--bind', shared, mnt]), 'the bind mount of the test export')
    must(onCore(['mount', '-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'ktrdr-bk-test', `${mnt}/small`]), 'the tmpfs')
    for (const [src, dst] of extraBinds) {
      if (onCore(['mountpoint', '-q', dst]).code === 0) continue
      must(onCore(['mkdir', '-p', dst]), `mkdir ${dst}`)
      must(onCore(['mount', '--bind', src, dst]), `the bind mount of ${src}`)
    }
  }
  mountShared()
  const port = opts.backendPort ?? 18100
  const textfile = join(root, 'node-exporter/ktrdr_backups.prom')
  const edits = [
    { file: 'stack-config.yml', from: /textfile: .*/, to: `textfile: ${textfile}` },
    ...(opts.pitr?.maxLag
      ? [
          {
            file: 'stack-config.yml',
            from: /archive_max_lag_seconds: .*/,
            to: `archive_max_lag_seconds: ${opts.pitr.maxLag}`,
          } satisfies Edit,
        ]
      : []),
    { file: 'stack-config.yml', from: /compose_path: .*\/docker-compose\.core\.yml/, to: `compose_path: ${compose}` },
    { file: 'stack-config.yml', from: 'port: 8000', to: `port: ${port}` },
    { file: 'stack-config.yml', from: /export_path: .*/, to: `export_path: ${mnt}` },
    { file: 'stack-config.yml', from: /host_path: .*/, to: `host_path: ${mnt}` },
    {
      file: 'stack-config.yml',
      from: /prometheus:\n\s+image: .*/,
      to: 'prometheus:\n      disabled: the backup tests share the core host; 9090 belongs to the lab core',
    },
    opts.pitr
      ? {
          file: 'stack-config.yml',
          from: /archive_timeout: \d+.*/,
          to: `archive_timeout: ${opts.pitr.archiveTimeout ?? 60} # this world's`,
        }
      : { file: 'stack-config.yml', from: /\npitr:[^\n]*\n( {2}[^\n]*\n)+/, to: '\n' },
    // Without snapshots: none (lab/config's would name the lab's own export, not the world's).
    ...(opts.snapshots
      ? ([
          { file: 'stack-config.yml', from: /source: \/srv\/ktrdr-shared/, to: `source: ${mnt}` },
          { file: 'stack-config.yml', from: /dir: \/srv\/\.snapshots\/ktrdr-shared/, to: `dir: ${snapshotDir}` },
          { file: 'stack-config.yml', from: /copy_to: \/mnt\/usb\/ktrdr-shared/, to: `copy_to: ${copyDir}` },
        ] satisfies Edit[])
      : [{ file: 'stack-config.yml', from: /\nsnapshots:[^\n]*\n( {2}[^\n]*\n)+/, to: '\n' } satisfies Edit]),
  ] satisfies Edit[]
  // Under the world's own directory (in the lab dir): the core host runs the toolkit with it too (--local).
  const config = configCopy(edits, join(REPO, 'lab/config'), root)
  const smallConfig = configCopy(
    [
      ...edits,
      {
        file: 'stack-config.yml',
        from: /\nbackups:\n {2}subdir: db-backups/,
        to: '\nbackups:\n  subdir: small/db-backups',
      },
    ],
    join(REPO, 'lab/config'),
    root,
  )
  const env = {
    PATH: `${STANDIN_BIN}:${process.env.PATH}`,
    OP_STANDIN_VAULT: join(LAB_DIR, 'op/vault.json'),
    KTRDR_OPERATOR: 'backup-e2e@test',
  }
  const composeCmd = (...args: string[]) => onCore(['docker', 'compose', '-f', compose, ...args])
  const w: World = {
    config,
    smallConfig,
    project,
    compose,
    ...(opts.snapshots ? { exportDir: shared, snapshotDir, copyDir } : {}),
    textfile,
    hostBackups: `${mnt}/db-backups`,
    composeFile: hostPath(CORE, compose),
    backups: hostPath(CORE, `${mnt}/db-backups`),
    small: hostPath(CORE, `${mnt}/small/db-backups`),
    env,
    make: (target, vars = {}, o = {}) =>
      make(target, { CONFIG: config, ...vars }, { env, timeout: o.timeout ?? 300_000, input: o.input }),
    onCore,
    dc: composeCmd,
    unmountShared: () => {
      must(onCore(['umount', `${mnt}/small`]), 'umount of the test tmpfs')
      must(onCore(['umount', mnt]), 'umount of the test export')
    },
    mountShared,
    sql: (query, db = 'ktrdr') => {
      const r = onCore(
        ['docker', 'compose', '-f', compose, 'exec', '-T', 'db'].concat([
          'psql',
          '-X',
          '-q',
          '-A',
          '-t',
          '-v',
          'ON_ERROR_STOP=1',
          '-U',
          'ktrdr',
          '-d',
          db,
        ]),
        query,
      )
      if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`)
      return r.stdout.trim()
    },
    dbUp: () => {
      const r = w.make('deploy-core', { SERVICE: 'db', TAG })
      if (r.code !== 0) throw new Error(`deploy-core SERVICE=db failed:\n${r.stdout}\n${r.stderr}`)
    },
    down: () => {
      composeCmd('down', '-v', '--remove-orphans', '-t', '5')
      unmount(`${mnt}/small`)
      unmount(mnt)
      for (const [src, dst] of extraBinds) {
        unmount(dst)
        onCore(['rmdir', dst])
        dropSubvolumes(src)
      }
      if (opts.snapshots) for (const d of [shared, copyDir]) dropSubvolumes(d)
      onCore(['rm', '-rf', `/opt/${project}`])
      onCore(['rmdir', mnt])
      rmSync(root, { recursive: true, force: true })
      for (const c of [config, smallConfig]) rmSync(c, { recursive: true, force: true })
    },
  }
  return w
}

/** Seed: a plain table, a table with awkward text, a hypertable over several daily chunks. */
export const SEED_SQL =
  `
CREATE TABLE strategies (id serial PRIMARY KEY, name text NOT NULL, params jsonb);
INSERT INTO strategies (name, params) SELECT 'strat-' || g, ` +
  `jsonb_build_object('n', g, 'q', E'it''s "quoted"\\n') FROM generate_series(1, 200) g;
CREATE TABLE notes (id int, body json, at point);
INSERT INTO notes SELECT g, json_build_object('g', g), point(g, -g) FROM generate_series(1, 50) g;
CREATE TABLE "Odd Name" (k text, gone int, v numeric);
ALTER TABLE "Odd Name" DROP COLUMN gone;
INSERT INTO "Odd Name" VALUES ('ü€', 1.5), (E'tab\\there', NULL);
CREATE TABLE bars (time timestamptz NOT NULL, symbol text NOT NULL, close double precision);
SELECT create_hypertable('bars', 'time', chunk_time_interval => interval '1 day');
ALTER TABLE bars ADD COLUMN gone int;
ALTER TABLE bars DROP COLUMN gone;
CREATE TABLE results (id bigint PRIMARY KEY, job text, payload text);
INSERT INTO results SELECT g, 'job-' || (g % 97), ` +
  `md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) FROM generate_series(1, 300000) g;
INSERT INTO bars SELECT t, s, random() * 100 ` +
  `FROM generate_series(timestamptz '2026-01-01', ` +
  `timestamptz '2026-01-06' - interval '1 minute', interval '1 minute') t, ` +
  `(VALUES ('EURUSD'), ('GBPUSD')) v(s);
`
