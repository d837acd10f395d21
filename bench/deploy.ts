// bench (needs the lab up and the e2e images: run the deploy e2e once, or make demo):
//  P1 — a no-change redeploy of one node vs the bare
//       `ssh host 'cd <dir> && docker compose pull && docker compose up -d'`
//  P4 — SSH connections per host per deploy, counted from that host's sshd log (target 1)
//  P5 — deploying three nodes vs one (target ≤ 1.3×), beside the same ratio for the bare one-liner run on
//       three hosts at once: the lab's hosts (each its own namespaces, sshd and engine) share this machine's
//       cores, so the bare ratio is what this machine allows, and the gap between the two is what the toolkit adds.
// No ssh master connection is alive before any run (the lab's ssh_config sets none; a deploy opens one session
// per host). ONLY=P1 stops after P1. BENCH_NODE=/path/to/node runs the toolkit with another node (its code
// cache is written by a first, untimed deploy). Run it on the lab's workstation:
//   bash lab/with-lab.sh node_modules/.bin/tsx bench/deploy.ts
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { quote } from 'zx'
import { configCopy } from '../tests/helpers/config-copy.ts'
import {
  ensureAppImages,
  GOOD_TAG,
  LAB_CONFIG,
  LAB_DIR,
  labEnv,
  registryPassword,
  REGISTRY_HOST,
} from '../tests/helpers/lab.ts'

const runs = Number(process.env.RUNS ?? 5)
const nodeBin = process.env.BENCH_NODE ?? 'node'
const version = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim()
const env = { ...process.env, ...labEnv() }
const sshConfig = join(LAB_DIR, 'ssh/ssh_config')
const target = (host: string) => `root@${host}.internal`
const deploy = (node: string, config = LAB_CONFIG) => {
  const t0 = performance.now()
  const r = spawnSync(
    nodeBin,
    ['dist/deploy-workers.mjs', `--config=${config}`, `--node=${node}`, `--tag=${GOOD_TAG}`],
    { env, encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`deploy ${node} failed:\n${r.stdout}\n${r.stderr}`)
  return performance.now() - t0
}
const ssh = (host: string, cmd: string, input = '') =>
  spawnSync('ssh', ['-F', sshConfig, target(host), cmd], { input, encoding: 'utf8' })
const hostDir = (host: string) => `/opt/${host}`
/** The design's one-liner on one host, as a promise (so three can run at once). */
const bareOn = (host: string) =>
  new Promise<void>((done, fail) => {
    const p = spawn('ssh', ['-F', sshConfig, target(host), 'bash -s'], { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    p.on('close', (code) => (code === 0 ? done() : fail(new Error(`bare one-liner on ${host} failed: ${err}`))))
    p.stdin.end(bareScript(hostDir(host)))
  })
const timedAsync = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const connections = (host: string) =>
  readFileSync(join(LAB_DIR, 'hosts', host, 'sshd.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('Connection from')).length

ensureAppImages()
deploy('all') // converge first: every later run is a no-change redeploy
// The bare one-liner has no secrets of its own: log the host in once for it (its own config dir), out after.
const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8'))
const bareLogin = (host: string) => {
  const login = ssh(
    host,
    `export DOCKER_CONFIG=/dev/shm/bench-docker; docker login -u ktrdr-ci --password-stdin ${REGISTRY_HOST} >/dev/null`,
    registryPassword(),
  )
  if (login.status !== 0) throw new Error(login.stderr)
}
bareLogin('ktrdr-workers-b')
// The design's one-liner, with the worker's secret inline as the design has it (§7.3; here on stdin, not argv),
// so compose sees the same config and recreates nothing — a like-for-like no-change redeploy.
const broker = quote(vault.vaults['ktrdr-lab'].backend.broker_api_key)
const bareScript = (dir: string) =>
  `export BROKER_API_KEY=${broker}; export DOCKER_CONFIG=/dev/shm/bench-docker; ` +
  `cd ${dir} && docker compose -f docker-compose.workers.yml pull -q && ` +
  `docker compose -f docker-compose.workers.yml up -d`
const bare = bareScript(hostDir('ktrdr-workers-b'))
// The second baseline: the same without the pull (what `compose up` alone costs on a no-change host).
const bareUp = bare.replace(/ && docker compose -f docker-compose.workers.yml pull -q/, '')
const timedSsh = (script: string) => {
  const t0 = performance.now()
  const r = spawnSync('ssh', ['-F', sshConfig, target('ktrdr-workers-b'), 'bash -s'], {
    input: script,
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`bare one-liner failed: ${r.stderr}`)
  return performance.now() - t0
}
const p1 = { ours: [] as number[], bare: [] as number[], bareUp: [] as number[] }
try {
  for (let i = 0; i < runs; i++) {
    p1.ours.push(deploy('B'))
    p1.bare.push(timedSsh(bare))
    p1.bareUp.push(timedSsh(bareUp))
  }
} finally {
  ssh('ktrdr-workers-b', 'rm -rf /dev/shm/bench-docker') // each host's /dev/shm is its own
}
console.log(
  `P1 no-change redeploy of node B, median of ${runs} (node ${version}): ktrdr-ops ${median(p1.ours).toFixed(0)} ms, ` +
    `bare ssh one-liner ${median(p1.bare).toFixed(0)} ms ` +
    `→ ${(median(p1.ours) / median(p1.bare)).toFixed(2)}× (target ≤ 1.15×)`,
)
console.log(
  `   beside the one-liner without its pull: ${median(p1.bareUp).toFixed(0)} ms ` +
    `→ ${(median(p1.ours) / median(p1.bareUp)).toFixed(2)}×`,
)
if (process.env.ONLY === 'P1') process.exit(0)

const before = { b: connections('ktrdr-workers-b'), c: connections('ktrdr-workers-c') }
deploy('all')
console.log(
  `P4 SSH connections per host for one deploy: ktrdr-workers-b ${connections('ktrdr-workers-b') - before.b}, ` +
    `ktrdr-workers-c ${connections('ktrdr-workers-c') - before.c} (target 1)`,
)

spawnSync('bash', ['lab/lab.sh', 'add-host', 'ktrdr-workers-d', '198.18.50.13'], { stdio: 'ignore' })
const three = configCopy(
  [
    {
      file: 'worker-nodes.yml',
      from: /$/,
      to:
        `  - name: D\n    host: ktrdr-workers-d\n    address: 198.18.50.13\n` +
        `    compose_path: /opt/ktrdr-workers-d/docker-compose.workers.yml\n    replicas: 2\n`,
    },
  ],
  LAB_CONFIG,
)
try {
  deploy('all', three)
  for (const h of ['ktrdr-workers-b', 'ktrdr-workers-c', 'ktrdr-workers-d']) bareLogin(h)
  const one: number[] = []
  const all: number[] = []
  const bareOne: number[] = []
  const bareAll: number[] = []
  for (let i = 0; i < runs; i++) {
    one.push(deploy('B', three))
    all.push(deploy('all', three))
    bareOne.push(await timedAsync(() => bareOn('ktrdr-workers-b')))
    bareAll.push(
      await timedAsync(() => Promise.all(['ktrdr-workers-b', 'ktrdr-workers-c', 'ktrdr-workers-d'].map(bareOn))),
    )
  }
  console.log(
    `P5 no-change deploy, median of ${runs}: one node ${median(one).toFixed(0)} ms, ` +
      `three nodes ${median(all).toFixed(0)} ms ` +
      `→ ${(median(all) / median(one)).toFixed(2)}× (target ≤ 1.3×)`,
  )
  console.log(
    `   the bare one-liner on the same hosts: one ${median(bareOne).toFixed(0)} ms, ` +
      `three at once ${median(bareAll).toFixed(0)} ms ` +
      `→ ${(median(bareAll) / median(bareOne)).toFixed(2)}× (what three lab hosts sharing ` +
      `${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores allow)`,
  )
} finally {
  for (const h of ['ktrdr-workers-b', 'ktrdr-workers-c']) ssh(h, 'rm -rf /dev/shm/bench-docker')
  spawnSync('bash', ['lab/lab.sh', 'rm-host', 'ktrdr-workers-d'], { stdio: 'ignore' })
}
