// Drives the stand-in executables the way the toolkit does: a child process with PATH, env and stdin.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir as removedAtExit } from '../helpers/tmp.ts'

export const BIN = fileURLToPath(new URL('./bin', import.meta.url))

export interface Run {
  code: number | null
  stdout: string
  stderr: string
  raw: Buffer
}

export function tempDir(prefix = 'standin-'): string {
  return removedAtExit(prefix)
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(value))
  return file
}

/** Run a stand-in by name, with a clean environment (no inherited OP_/AZ_/UV_ knobs). */
export function run(
  tool: 'op' | 'az' | 'uv',
  args: string[],
  opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {},
): Run {
  const env: Record<string, string> = {
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    ...opts.env,
  }
  const r = spawnSync(tool, args, { env, input: opts.input ?? '', cwd: opts.cwd })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout }
}

export function logLines(file: string): Array<{ tool: string; argv: string[]; time: string }> {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** op and Go's log package stamp errors as "[ERROR] YYYY/MM/DD HH:MM:SS ". */
export const OP_STAMP = String.raw`\[ERROR\] \d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} `
