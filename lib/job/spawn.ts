// Run a command with a script (or any input: a template, a password) on stdin through zx. With holdStdin the
// pipe stays open until the command ends (the remote watcher treats EOF as "the operator went away"). A child
// that exits before it read everything (op missing: bash answers 127 at once) makes the write fail with EPIPE:
// that is no crash, the exit code and stderr say what happened.
import { $, type ProcessOutput } from 'zx/core'
import type { RunOptions, ScriptSession } from './executor.ts'
import { framed } from './render.ts'

export type { ScriptSession }

export async function runWithStdin(
  cmd: string,
  args: string[],
  script: string,
  opts: RunOptions,
): Promise<ProcessOutput> {
  const session = openSession(cmd, args, opts)
  session.send(script)
  if (!opts.holdStdin) session.end()
  return session.done
}

export function openSession(cmd: string, args: string[], opts: RunOptions): ScriptSession {
  const p = $({
    quiet: true,
    nothrow: true,
    // Its own process group: a terminal's Ctrl-C reaches this process, which ends each session in order (the
    // host reports how it stopped); ssh in the terminal's group would die of it and cut the host off unheard.
    detached: true,
    signal: opts.signal,
    timeout: opts.timeoutMs ? `${opts.timeoutMs}ms` : undefined,
    ...(opts.env ? { env: opts.env } : {}),
  })`${cmd} ${args}`
  p.stdin.on('error', () => {}) // EPIPE: the child went away; its exit is the answer
  let complete = '' // every whole stdout line so far
  let buf = ''
  let finished: ProcessOutput | undefined
  const waiters: { accept: (l: string) => boolean; resolve: (v: { stdout: string; ended: boolean }) => void }[] = []
  p.stdout.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8')
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const l of lines) {
      complete += `${l}\n`
      opts.onLine?.(l)
      for (const w of [...waiters])
        if (w.accept(l)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve({ stdout: complete, ended: false })
        }
    }
  })
  const done = (async () => {
    const out = await p
    finished = out
    if (!p.stdin.destroyed) p.stdin.destroy()
    for (const w of waiters.splice(0)) w.resolve({ stdout: out.stdout, ended: true })
    return out
  })()
  return {
    send: (part) => {
      if (!p.stdin.destroyed && !p.stdin.writableEnded) p.stdin.write(part)
    },
    end: () => {
      if (!p.stdin.destroyed && !p.stdin.writableEnded) p.stdin.end()
    },
    until: (accept) =>
      finished
        ? Promise.resolve({ stdout: finished.stdout, ended: true })
        : new Promise((resolve) => waiters.push({ accept, resolve })),
    done,
  }
}

/** The session of a `bash -s` whose parts are sent framed (render.ts framed): each read whole, at once. */
export function framedSession(s: ScriptSession): ScriptSession {
  return { ...s, send: (part) => s.send(framed(part)) }
}
