// Typed errors thrown by lib/. Only scripts' entry points turn them into exit codes (STYLE: changesets).
import { redact } from './redactor.ts'

/** An error the operator can act on: a message, and optionally the command or edit that fixes it. */
export class OpsError extends Error {
  readonly hint?: string
  readonly exitCode: number
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    // Masked when made, not only when printed: a renderer may wrap a long message across lines first, and a
    // value cut in two would no longer match (messages quote other tools' stderr).
    super(redact(message), { cause: opts.cause })
    this.name = new.target.name
    this.hint = opts.hint === undefined ? undefined : redact(opts.hint)
    this.exitCode = opts.exitCode ?? 1
  }
}

/** One problem in a config file: where it is, what is wrong, how to fix it. */
export interface ConfigIssue {
  file: string
  line?: number
  col?: number
  path: string
  message: string
  fix?: string
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line ? `${i.file}:${i.line}:${i.col ?? 1}` : i.file
  const path = i.path ? ` ${i.path}:` : ''
  return `${where}${path} ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`
}

/** Config did not validate: carries every issue found, not just the first. */
export class ConfigError extends OpsError {
  readonly issues: ConfigIssue[]
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'), { exitCode: 2 })
    this.issues = issues
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends OpsError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: 64 })
  }
}
