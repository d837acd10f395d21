// The one place that turns errors into messages and exit codes (STYLE: only the entry point exits).
import { ConfigError, OpsError } from '../errors.ts'
import { type Flags, helpText, parseFlags, type ScriptSpec } from './args.ts'
import { installRedaction, say, warn } from './output.ts'
import { mark, timelineLines } from './timeline.ts'

/** zx's ProcessOutput, told by its shape: importing zx here would load it into every job (bench/startup.ts). */
function isProcessOutput(e: unknown): e is { stderr: string; exitCode: number | null; message: string } {
  return (
    e instanceof Error &&
    typeof (e as { stderr?: unknown }).stderr === 'string' &&
    'exitCode' in e &&
    'signal' in e &&
    'duration' in e
  )
}

export function describeError(e: unknown, verbose: boolean): string {
  if (e instanceof ConfigError) return `config is invalid:\n${e.message}`
  if (e instanceof OpsError)
    return `error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}${verbose && e.stack ? `\n${e.stack}` : ''}`
  if (isProcessOutput(e)) {
    const err = e.stderr.trim().split('\n').slice(-8).join('\n')
    return (
      `error: command failed with exit code ${e.exitCode}${err ? `:\n${err}` : ''}` +
      `${verbose ? `\n${e.message}` : ''}`
    )
  }
  const err = e as Error
  return (
    `error: ${err?.message ?? String(e)}` +
    `${verbose ? `\n${err?.stack ?? ''}` : '\n(run with --verbose for the stack trace)'}`
  )
}

// biome-ignore lint/suspicious/noConfusingVoidType: a job returns its exit code, or nothing for 0
export async function main(spec: ScriptSpec, run: (flags: Flags) => Promise<number | void>): Promise<void> {
  installRedaction()
  mark('started (the bundle is loaded)')
  let verbose = process.argv.includes('--verbose')
  try {
    const flags = parseFlags(spec, process.argv.slice(2))
    verbose = Boolean(flags.verbose)
    if (flags.help) {
      say(helpText(spec))
      return
    }
    process.exitCode = (await run(flags)) ?? 0
  } catch (e) {
    warn(describeError(e, verbose))
    process.exitCode = e instanceof OpsError ? e.exitCode : 1
  }
  mark('ended')
  for (const line of timelineLines()) warn(line)
}
