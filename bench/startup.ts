// bench P2: start-up of a precompiled job — `node dist/validate.mjs` (the homelab config loaded, checked and
// summarised) and its `--help` — as a ratio to bare `node -e 0`, beside the same script through tsx. Median of
// RUNS runs each, interleaved. Target ≤ 1.5× for the validate run. BENCH_NODE=/path/to/node times another node (its
// code cache is written by its first run, before the timed ones; build.mjs).
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

const runs = Number(process.env.RUNS ?? 11)
const node = process.env.BENCH_NODE ?? 'node'
const cases: Record<string, string[]> = {
  'node -e 0': [node, '-e', '0'],
  'node dist/validate.mjs': [node, 'dist/validate.mjs'],
  'node dist/validate.mjs --help': [node, 'dist/validate.mjs', '--help'],
  'tsx scripts/validate.ts': ['node_modules/.bin/tsx', 'scripts/validate.ts'],
}
if (spawnSync(node, ['dist/validate.mjs']).status !== 0) throw new Error('run make setup first (dist/ missing)')
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
for (let i = 0; i < runs; i++)
  for (const [name, [cmd, ...args]] of Object.entries(cases)) {
    const t0 = performance.now()
    const r = spawnSync(cmd!, args, { stdio: 'ignore' })
    times[name]!.push(performance.now() - t0)
    if (r.status !== 0) throw new Error(`${name} failed`)
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
const base = median(times['node -e 0']!)
console.log(`P2 start-up, median of ${runs} runs (node ${version})`)
for (const name of Object.keys(cases))
  console.log(
    `  ${name.padEnd(32)} ${median(times[name]!).toFixed(0).padStart(5)} ms   ` +
      `${(median(times[name]!) / base).toFixed(2)}× bare node`,
  )
console.log('  target: node dist/validate.mjs ≤ 1.50× bare node')
