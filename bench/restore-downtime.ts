// bench (issue 22 §1): the backend's downtime during `make restore`, as a client sees it — GET /health every
// 100 ms, the longest run of failed probes — on a generated database in its own core project
// (tests/backup/world.ts), at two sizes, beside its floor: `docker compose restart backend` probed the same way
// (a restore must stop the backend; what it adds beyond that restart is its own). Figures only.
//   npx tsx bench/restore-downtime.ts                (BENCH_MB="100 1024": target sizes of the generated data)
import { spawn } from 'node:child_process'
import { REPO } from '../tests/helpers/config-copy.ts'
import { createTables, grower } from './generated-db.ts'
import { sh, TAG, world } from '../tests/backup/world.ts'
import { anchorOf, HOSTS, longestDown, ZONE } from '../tests/helpers/lab.ts'

const sizes = (process.env.BENCH_MB ?? '100 1024').split(/\s+/).map(Number)
const PORT = 18400
const w = world('bk-downtime', { backendPort: PORT })
const HEALTH = `http://${HOSTS.core}.${ZONE}:${PORT}/health`
const must = (r: { code: number; stdout: string; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const downtime = (run: () => Promise<void>) => longestDown(HEALTH, run)

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

const grow = grower(w)

try {
  sh('make', ['-s', 'setup'])
  w.dbUp()
  must(w.make('deploy-core', { SERVICE: 'backend', TAG }), 'deploy-core SERVICE=backend')
  createTables(w)
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
