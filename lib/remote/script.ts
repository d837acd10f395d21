// A remote job is a bash script written to `bash -s` on stdin (STYLE: webpod). Secrets travel as
// `export NAME=<quoted>` lines inside it — never in any argv, never in a file on the host.
import { quote } from 'zx/core'
import type { Secret } from '../secrets/secret.ts'

/** One command as argv → one shell line, each element quoted by zx (bash syntax: run under bash only). */
export function sh(argv: readonly (string | number)[]): string {
  return argv.map((a) => quote(String(a))).join(' ')
}

export interface ScriptParts {
  /** Variables exported before the body runs; Secret values are revealed only here. */
  env?: Record<string, string | Secret>
  /** Shell lines (build them with sh() from argv arrays; control flow may be literal). */
  body: string[]
  /**
   * Watch stdin: when the local side goes away (Ctrl-C, lost connection) the remote shell gets SIGTERM,
   * so its EXIT trap still runs (lock release, temp cleanup). The caller keeps stdin open meanwhile.
   */
  watchStdin?: boolean
}

/** Shell prelude: cleanups registered with on_exit run in reverse order on any exit, signals included. */
const PRELUDE = [
  'set -euo pipefail',
  '__ktrdr_cleanups=()',
  'on_exit() { __ktrdr_cleanups+=("$1"); }',
  // Once the cleanups run, a second signal (Ctrl-C then zx's TERM; SIGPIPE from an echo after the connection
  // went) must not cut them short: the lock, the jobs and the backend are in there.
  '__ktrdr_on_exit() { local i; trap \'\' INT TERM HUP PIPE; for ((i=${#__ktrdr_cleanups[@]}-1; i>=0; i--)); do eval "${__ktrdr_cleanups[i]}" || true; done; }',
  'trap __ktrdr_on_exit EXIT',
  // PIPE too: once the connection is gone the next echo would kill the shell without running the cleanups.
  "trap 'exit 130' INT TERM HUP PIPE",
]

/**
 * The body sits in one function that bash parses whole before running it, so nothing left on stdin is
 * read as script. The body's own stdin is /dev/null; the original stdin stays on fd 3 for the watcher.
 */
export function renderScript(parts: ScriptParts): string {
  const exports = Object.entries(parts.env ?? {}).map(
    ([k, v]) => `export ${k}=${quote(typeof v === 'string' ? v : v.reveal())}`,
  )
  const watch = parts.watchStdin
    ? ['{ cat >/dev/null; kill -TERM 0; } <&3 >/dev/null 2>&1 &', 'on_exit "kill $! 2>/dev/null"']
    : []
  return [
    ...PRELUDE,
    '__ktrdr_main() {',
    ...watch,
    'exec 3<&-',
    ...exports,
    ...parts.body,
    '}',
    '__ktrdr_main 3<&0 </dev/null; exit $?',
    '',
  ].join('\n')
}

/**
 * The first part of a session (lib/remote/spawn.ts openSession): runs the body and exits on failure, else
 * leaves bash reading its next part from stdin. No secrets: a first part is for read-only checks.
 */
export function renderFirstPart(body: string[]): string {
  return [...PRELUDE, '__ktrdr_part() {', ...body, '}', '__ktrdr_part </dev/null || exit $?', ''].join('\n')
}

/** Redacted preview of a script for --dry-run: exported values masked, everything else as it will run. */
export function previewScript(parts: ScriptParts): string[] {
  const names = Object.keys(parts.env ?? {})
  return [...(names.length ? [`env: ${names.map((n) => `${n}=•••`).join(' ')}`] : []), ...parts.body]
}
