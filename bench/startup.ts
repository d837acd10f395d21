// bench: start-up of a precompiled script (`node dist/validate.mjs --help`) as a ratio to bare `node -e 0`,
// and the same script through tsx for comparison. Median of N runs each, interleaved. Target ≤ 2×.
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

const runs = Number(process.env.RUNS ?? 11)
const cases: Record<string, string[]> = {
  'node -e 0': ['node', '-e', '0'],
  'node dist/validate.mjs --help': ['node', 'dist/validate.mjs', '--help'],
  'tsx scripts/validate.ts --help': ['node_modules/.bin/tsx', 'scripts/validate.ts', '--help'],
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
if (spawnSync('node', ['dist/validate.mjs', '--help']).status !== 0)
  throw new Error('run make setup first (dist/ missing)')
for (let i = 0; i < runs; i++)
  for (const [name, [cmd, ...args]] of Object.entries(cases)) {
    const t0 = performance.now()
    const r = spawnSync(cmd!, args, { stdio: 'ignore' })
    times[name]!.push(performance.now() - t0)
    if (r.status !== 0) throw new Error(`${name} failed`)
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = median(times['node -e 0']!)
console.log(`start-up, median of ${runs} runs (node ${process.version})`)
for (const name of Object.keys(cases))
  console.log(
    `  ${name.padEnd(34)} ${median(times[name]!).toFixed(0).padStart(5)} ms   ` +
      `${(median(times[name]!) / base).toFixed(2)}× bare node`,
  )
console.log('  target: dist/validate.mjs ≤ 2.00× bare node')
