// bench (issue 22 §1): the backend's downtime during `make restore`, as a client sees it — GET /health every
// 100 ms, the longest run of failed probes — on a generated database in its own core project
// (tests/backup/world.ts), at two sizes, beside its floor: `docker compose restart backend` probed the same way
// (a restore must stop the backend; what it adds beyond that restart is its own). Figures only.
//   npx tsx bench/restore-downtime.ts                (BENCH_MB="100 1024": target sizes of the generated data)
import { spawn } from 'node:child_process'
import { REPO } from '../tests/helpers/config-copy.ts'
import { sh, TAG, world } from '../tests/backup/world.ts'
import { anchorOf, HOSTS, ZONE } from '../tests/helpers/lab.ts'

const sizes = (process.env.BENCH_MB ?? '100 1024').split(/\s+/).map(Number)
const PORT = 18400
const w = world('bk-downtime', { backendPort: PORT })
const HEALTH = `http://${HOSTS.core}.${ZONE}:${PORT}/health`
const must = (r: { code: number; stdout: string; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** While `run` runs (asynchronously: the prober must keep going), the longest stretch of failed probes, in s. */
async function downtime(run: () => Promise<void>): Promise<number> {
  let probing = true
  let down: number | undefined
  let longest = 0
  const prober = (async () => {
    while (probing) {
      const t = Date.now()
      const ok = await fetch(HEALTH, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false)
      if (!ok && down === undefined) down = t
      if (ok && down !== undefined) {
        longest = Math.max(longest, Date.now() - down)
        down = undefined
      }
      await sleep(Math.max(0, 100 - (Date.now() - t)))
    }
  })()
  await run()
  // The backend is started again at the end of the run: wait for it, then stop probing.
  for (let i = 0; i < 300 && (down !== undefined || longest === 0); i++) await sleep(100)
  probing = false
  await prober
  return longest / 1000
}

/** `make <target>` on the world's config, asynchronously; rejects on a non-zero exit. */
const makeAsync = (target: string, vars: Record<string, string>) =>
  new Promise<void>((ok, fail) => {
    const args = ['--no-print-directory', '-s', target, `CONFIG=${w.config}`]
    const p = spawn('make', [...args, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', ...w.env },
    })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`make ${target} exited ${code}:\n${out}`))))
  })
/** `docker compose restart backend` on the core host, asynchronously (in its namespaces, as onHost does). */
const restartBackend = () =>
  new Promise<void>((ok, fail) => {
    const ns = ['-t', anchorOf(HOSTS.core), '-n', '-m', '-u', '--']
    const p = spawn('nsenter', [...ns, 'docker', 'compose', '-f', w.compose, 'restart', 'backend'], {
      stdio: 'ignore',
    })
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`docker compose restart exited ${code}`))))
  })

let batch = 0
function grow(targetMb: number): number {
  const have = () => Number(w.sql("SELECT pg_database_size('ktrdr')"))
  while (have() < targetMb * 1048576) {
    const b = batch++
    w.sql(
      `INSERT INTO bars SELECT timestamptz '2026-01-01' + (${b} * 200000 + g) * interval '1 second', ` +
        `'SYM' || (g % 40), random() * 100, (random() * 1e6)::bigint FROM generate_series(1, 200000) g;\n` +
        `INSERT INTO results SELECT ${b} * 100000 + g, 'job-' || (g % 97), md5(g::text || '${b}') || ` +
        `md5((g * 7)::text) || md5(random()::text) FROM generate_series(1, 100000) g;`,
    )
  }
  w.sql('VACUUM ANALYZE')
  return have()
}

try {
  sh('make', ['-s', 'setup'])
  w.dbUp()
  must(w.make('deploy-core', { SERVICE: 'backend', TAG }), 'deploy-core SERVICE=backend')
  w.sql(`CREATE TABLE bars (time timestamptz NOT NULL, symbol text NOT NULL, close double precision, volume bigint);
SELECT create_hypertable('bars', 'time', chunk_time_interval => interval '1 day');
CREATE TABLE results (id bigint PRIMARY KEY, job text, payload text);`)
  const rows: string[] = []
  for (const target of sizes) {
    const bytes = grow(target)
    must(w.make('backup'), 'backup')
    // A restore (a spawned make: the prober runs meanwhile), then the copies it kept dropped outside the window.
    const restore = await downtime(() => makeAsync('restore', { YES: '1' }))
    must(w.make('restore-cleanup', { YES: '1' }), 'restore-cleanup')
    const floor = await downtime(restartBackend)
    rows.push(
      `database ${(bytes / 1048576).toFixed(0)} MB: backend down ${restore.toFixed(1)} s during make restore, ` +
        `${floor.toFixed(1)} s during docker compose restart backend → ${(restore / floor).toFixed(2)}× its floor`,
    )
    console.log(rows.at(-1))
  }
  console.log(
    `\nrestore-downtime bench, ${new Date().toISOString()}, ${sh('nproc', []).stdout.trim()} cores, ` +
      `probe GET /health every 100 ms (1 s timeout)\n${rows.join('\n')}`,
  )
} finally {
  w.down()
}
