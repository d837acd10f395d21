// A remote job is a bash script written to `bash -s` on stdin (STYLE: webpod). TypeScript decides what to send
// and binds the variables once (`name=$'…'` lines, zx's quote); the logic is in .sh files (lib/<area>/*.sh),
// inlined as they are. Secrets travel as `export NAME=<quoted>` lines inside the script — never in any argv,
// never in a file on the host.
import { randomBytes } from 'node:crypto'
import { quote } from 'zx/core'
import { OpsError } from '../errors.ts'
import { libFile } from './files.ts'

/** One command as argv → one shell line, each element quoted by zx (bash syntax: run under bash only). */
export function sh(argv: readonly (string | number)[]): string {
  return argv.map((a) => quote(String(a))).join(' ')
}

export type Bound = string | number | readonly (string | number)[]

/** A secret as the engine sees it (lib/secrets/secret.ts's Secret): revealed only into the script's exports. */
export interface Revealable {
  reveal(): string
}

const VAR = /^[a-z_][a-z0-9_]*$/

/**
 * The job's variables, declared once: `name=$'…'` (arrays: `name=($'…' …)`). Names are lower-case, so they
 * can never shadow an environment variable the job exports or a tool reads.
 */
export function bind(vars: Record<string, Bound>): string[] {
  return Object.entries(vars).map(([name, v]) => {
    if (!VAR.test(name)) throw new OpsError(`internal: not a shell variable name for a job: ${name}`)
    return Array.isArray(v) ? `${name}=(${sh(v)})` : `${name}=${sh([v as string | number])}`
  })
}

/**
 * A text variable that reads as the file it holds: a quoted here-document (never expanded) with a random
 * delimiter, read whole by the builtin read; exact to the byte, a missing final newline included. An empty
 * result from a non-empty text means bash could not stage the document (no space for it): the job fails.
 */
export function bindText(name: string, text: string): string[] {
  if (!VAR.test(name)) throw new OpsError(`internal: not a shell variable name for a job: ${name}`)
  return [
    `${name}=`,
    ...heredoc(`{ IFS= read -r -d '' ${name} || true; }`, text),
    ...(text.endsWith('\n') ? [] : [`${name}=\${${name}%$'\\n'}`]),
    ...(text
      ? [`[ -n "$${name}" ] || fail ${sh([`cannot stage ${name} (no space for the shell's here-document?)`])}`]
      : []),
  ]
}

/** `cmd <<'DELIM'` … DELIM with a random delimiter: no line of the content can end it early. */
export function heredoc(cmd: string, content: string): string[] {
  const eof = `KTRDR_${randomBytes(6).toString('hex').toUpperCase()}`
  return [`${cmd} <<'${eof}'`, content.replace(/\n$/, ''), eof]
}

export interface ScriptParts {
  /** Variables exported before the body runs; Secret values are revealed only here. */
  env?: Record<string, string | Revealable>
  /** The .sh files (paths under lib/) whose functions the body calls, inlined ahead of it. */
  lib?: readonly string[]
  /** Shell lines: bind() lines and calls of the library's functions (sh() for any argv). */
  body: string[]
  /**
   * Watch stdin: when the local side goes away (Ctrl-C, lost connection) the remote shell gets SIGTERM,
   * so its EXIT trap still runs (lock release, temp cleanup). The caller keeps stdin open meanwhile.
   */
  watchStdin?: boolean
}

const prelude = () => libFile('job/prelude.sh').trimEnd().split('\n')
/**
 * A library holds the functions of several jobs; a job binds what the functions it calls read, so the others'
 * variables are unbound in its script — shellcheck's SC2154 says nothing useful there, and only that is off.
 */
const UNBOUND_OK = '# shellcheck disable=SC2154 # each job binds the variables of the functions it calls'
const header = (parts: Pick<ScriptParts, 'lib'>) => (parts.lib?.length ? [UNBOUND_OK] : [])
const library = (files: readonly string[] = []) => files.flatMap((f) => libFile(f).trimEnd().split('\n'))

/**
 * The body sits in one function that bash parses whole before running it, so nothing left on stdin is
 * read as script. The body's own stdin is /dev/null; the original stdin is on fd 3 for the watcher (put
 * there by framed's eval).
 */
export function renderScript(parts: ScriptParts): string {
  const exports = Object.entries(parts.env ?? {}).map(
    ([k, v]) => `export ${k}=${quote(typeof v === 'string' ? v : v.reveal())}`,
  )
  // The watcher TERMs the job's process group once stdin closes, and again each second until the job's cleanups
  // start (prelude.sh stops it there, so they run undisturbed): a command forked at the moment of a TERM can
  // lose it (caught by the shell's handler before its exec), and the shell would wait that command out before
  // its own trap ran. The watcher ignores TERM itself.
  const watch = parts.watchStdin
    ? [
        "{ trap '' TERM; cat >/dev/null; while kill -0 $$ 2>/dev/null; do kill -TERM 0; sleep 1; done; } " +
          '<&3 >/dev/null 2>&1 &',
        '__ktrdr_watcher=$!',
      ]
    : []
  return [
    ...prelude(),
    ...header(parts),
    '__ktrdr_main() {',
    ...watch,
    'exec 3<&-',
    ...exports,
    ...library(parts.lib),
    ...parts.body,
    '}',
    '__ktrdr_main </dev/null; exit $?',
    '',
  ].join('\n')
}

/**
 * The first part of a session (lib/job/spawn.ts openSession): runs the body and exits on failure, else
 * leaves bash reading its next part from stdin. No secrets: a first part is for read-only checks.
 */
export function renderFirstPart(parts: Pick<ScriptParts, 'lib' | 'body'>): string {
  return [
    ...prelude(),
    ...header(parts),
    '__ktrdr_part() {',
    ...library(parts.lib),
    ...parts.body,
    '}',
    '__ktrdr_part </dev/null || exit $?',
    '',
  ].join('\n')
}

/**
 * A part as it goes down the pipe to `bash -s` (every executor sends its parts so): one line that reads the part
 * whole, then the part. bash reads a script from a pipe one byte per read(2) (it must not take what a command
 * after it would read): 9 ms for a deploy's 38 KB part on the lab. The builtin `read -N` takes the given number
 * of bytes (characters, so in the C locale) in a few reads, never more, and eval runs them in the same shell.
 * A part cut short (the connection lost) never runs: read fails, and bash meets the end of its input. The eval
 * puts the shell's stdin on fd 3 (renderScript's watcher): the same `3<&0` inside the eval'd text makes bash
 * 5.2.15 (Debian 12's) crash with SIGSEGV.
 */
export function framed(part: string): string {
  const n = Buffer.byteLength(part)
  return `LC_ALL=C IFS= read -r -d '' -N ${n} __ktrdr_text && eval "$__ktrdr_text" 3<&0\n${part}`
}

/**
 * Redacted preview for --dry-run: exported values masked, the bound variables and calls as they will run, and
 * the files whose functions they call (read them there: they are inlined as they are).
 */
export function previewScript(parts: ScriptParts): string[] {
  const names = Object.keys(parts.env ?? {})
  return [
    ...(parts.lib?.length ? [`# the functions of ${parts.lib.map((f) => `lib/${f}`).join(', ')}, then:`] : []),
    ...(names.length ? [`env: ${names.map((n) => `${n}=•••`).join(' ')}`] : []),
    ...parts.body.flatMap((l) => l.split('\n')),
  ]
}
