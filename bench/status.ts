// bench (needs the lab up and the e2e images): `make status NODE=all` — the core and both worker nodes, three
// hosts, each compared with its deploy record — against the least a look at three hosts costs: `ssh host
// docker ps` on the three at once. Issue #19's target is ≤ 3 s for the three; the ratio says what the
// toolkit adds to the bare look. SECRETS=1 times `make status SECRETS=1` too. Run it on the lab's workstation:
//   bash lab/with-lab.sh node_modules/.bin/tsx bench/status.ts
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ensureAppImages, GOOD_TAG, HOSTS, LAB_CONFIG, LAB_DIR, labEnv } from '../tests/helpers/lab.ts'

const runs = Number(process.env.RUNS ?? 7)
const env = { ...process.env, ...labEnv() }
const node = (script: string, ...args: string[]) => {
  const t0 = performance.now()
  const r = spawnSync('node', [`dist/${script}.mjs`, `--config=${LAB_CONFIG}`, ...args], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return performance.now() - t0
}
const look = (host: string) =>
  new Promise<void>((done, fail) => {
    const p = spawn('ssh', ['-F', join(LAB_DIR, 'ssh/ssh_config'), `root@${host}.internal`, 'docker ps -a'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    p.on('close', (code) => (code === 0 ? done() : fail(new Error(`ssh ${host} docker ps: ${err}`))))
  })
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

ensureAppImages()
node('deploy-core', '--service=all', `--tag=${GOOD_TAG}`)
node('deploy-workers', '--node=all', `--tag=${GOOD_TAG}`)
const t = { status: [] as number[], secrets: [] as number[], bare: [] as number[] }
for (let i = 0; i < runs; i++) {
  t.status.push(node('status', '--node=all'))
  if (process.env.SECRETS === '1') t.secrets.push(node('status', '--node=all', '--secrets'))
  const t0 = performance.now()
  await Promise.all(Object.values(HOSTS).map(look))
  t.bare.push(performance.now() - t0)
}
const s = median(t.status)
const b = median(t.bare)
console.log(
  `make status NODE=all (3 hosts), median of ${runs}: ${(s / 1000).toFixed(2)} s (target ≤ 3 s); ` +
    `ssh host docker ps on the three at once ${b.toFixed(0)} ms → ${(s / b).toFixed(2)}×`,
)
if (t.secrets.length) console.log(`   with SECRETS=1: ${(median(t.secrets) / 1000).toFixed(2)} s`)
