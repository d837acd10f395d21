// Samples every process's argv on this machine about every 10 ms and appends each distinct one to a file,
// so a test can prove that no secret value ever sat in any process's argv. Stops on SIGTERM.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'
const out = process.argv[2]
const seen = new Set()
let samples = 0
let stop = false
process.on('SIGTERM', () => {
  stop = true
})
while (!stop) {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    let cmd
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1')
    } catch {
      continue
    }
    if (cmd && !seen.has(cmd)) {
      seen.add(cmd)
      appendFileSync(out, Buffer.from(cmd.replaceAll('\0', ' ') + '\n', 'latin1'))
    }
  }
  samples++
  await new Promise((r) => setTimeout(r, 10))
}
appendFileSync(out, `# samples ${samples}\n`)
