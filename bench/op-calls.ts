// bench: how many `op` processes one run starts for 3 and for 30 secrets (target 1 and 1), and the wall time
// of resolving them through the op provider, against the op stand-in (tests/standins/bin/op).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { opProvider } from '../lib/secrets/op.ts'
import { tempDir } from '../tests/helpers/tmp.ts'

const dir = tempDir('ktrdr-bench-op-')
const vault: Record<string, Record<string, string>> = {}
for (let i = 0; i < 30; i++) vault[`item-${i}`] = { value: `secret-${i}-$"'\`\\ü` }
writeFileSync(join(dir, 'vault.json'), JSON.stringify({ desktop_session: true, vaults: { bench: vault } }))
process.env.PATH = `${join(import.meta.dirname, '../tests/standins/bin')}:${process.env.PATH}`
process.env.OP_STANDIN_VAULT = join(dir, 'vault.json')

async function measure(n: number, runs = 5): Promise<{ procs: number; median: number }> {
  const times: number[] = []
  let procs = 0
  for (let r = 0; r < runs; r++) {
    const log = join(dir, `log-${n}-${r}`)
    process.env.STANDIN_LOG = log
    const requests = Array.from({ length: n }, (_, i) => ({ name: `VAR_${i}`, ref: `op://bench/item-${i}/value` }))
    const t0 = performance.now()
    const got = await opProvider.resolve(requests)
    times.push(performance.now() - t0)
    if (got.size !== n) throw new Error(`expected ${n} values, got ${got.size}`)
    procs = readFileSync(log, 'utf8').trim().split('\n').length
  }
  times.sort((a, b) => a - b)
  return { procs, median: times[Math.floor(times.length / 2)]! }
}

const three = await measure(3)
const thirty = await measure(30)
console.log(`op processes per run:  3 secrets → ${three.procs}   30 secrets → ${thirty.procs}   (target 1 and 1)`)
console.log(
  `resolution wall time (median of 5): 3 secrets ${three.median.toFixed(0)} ms, ` +
    `30 secrets ${thirty.median.toFixed(0)} ms, ` +
    `ratio 30/3 = ${(thirty.median / three.median).toFixed(2)}×`,
)
