// Run a command with a script on stdin through zx. With holdStdin the pipe stays open until the command
// ends (the remote watcher treats EOF as "the operator went away").
import { $, type ProcessOutput } from 'zx/core'
import type { RunOptions } from './executor.ts'

export async function runWithStdin(cmd: string, args: string[], script: string, opts: RunOptions): Promise<ProcessOutput> {
  const p = $({ quiet: true, nothrow: true, signal: opts.signal, timeout: opts.timeoutMs ? `${opts.timeoutMs}ms` : undefined })`${cmd} ${args}`
  if (opts.onLine) {
    let buf = ''
    p.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8')
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) opts.onLine!(l)
    })
  }
  p.stdin.write(script)
  if (!opts.holdStdin) p.stdin.end()
  const out = await p
  if (opts.holdStdin) p.stdin.destroy()
  return out
}
