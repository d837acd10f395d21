// Leak hunting for e2e runs: an argv watcher over the whole machine, and a search of every file a run
// created (hosts' dirs, /tmp, /dev/shm) and of all output, for each secret value.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './tmp.ts'

export interface Watcher {
  file: string
  stop(): Promise<string>
}

export function watchArgv(): Watcher {
  const file = join(tempDir('ktrdr-argv-'), 'argv.log')
  const child: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'argv-watcher.mjs'), file], {
    stdio: 'ignore',
  })
  return {
    file,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(readFileSync(file, 'latin1')))
        child.kill('SIGTERM')
      }),
  }
}

/** Files under these roots modified at or after `since` (ms), skipping docker's own storage. */
export function filesSince(roots: string[], since: number): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(dir, e)
      let st: ReturnType<typeof statSync>
      try {
        st = statSync(p, { throwIfNoEntry: false })
      } catch {
        continue
      }
      if (!st) continue
      if (st.isDirectory()) walk(p)
      else if (st.isFile() && st.mtimeMs >= since - 1000 && st.size < 5_000_000) out.push(p)
    }
  }
  roots.forEach(walk)
  return out
}

/** The secrets found in a text (checked as UTF-8 and as the latin1 view /proc gives of UTF-8 bytes). */
export function leaksIn(text: string, secrets: string[]): string[] {
  return secrets.filter(
    (s) => s.length >= 6 && (text.includes(s) || text.includes(Buffer.from(s, 'utf8').toString('latin1'))),
  )
}

export function leaksInFiles(files: string[], secrets: string[]): string[] {
  return files.flatMap((f) => {
    let text: string
    try {
      text = readFileSync(f, 'latin1')
    } catch {
      return []
    }
    return leaksIn(text, secrets).map(() => f)
  })
}
