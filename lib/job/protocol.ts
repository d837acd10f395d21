// How a remote job talks back: `::ktrdr <event> <detail>` lines on stdout (prelude.sh's `ktrdr_event`) and
// its exit code. One table of codes for every job; docs/architecture.md shows it.

/** The exit codes a job's script may end with, and what each means to the toolkit. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Failed; a `failed` (or `missing`) event says why. */
  failed: 1,
  /** A file is damaged (a dump whose sha256 or gzip check fails): nothing was changed. */
  corrupt: 65,
  /** A restored copy does not match its manifest (rows, chunks, checksums). */
  mismatch: 66,
  /** A rolling deploy stopped at a replica still busy past its drain deadline: the node is partly updated. */
  partial: 74,
  /** Another job holds the lock this one needs (a `locked` event names it). */
  busy: 75,
  /** A deploy was unhealthy and the previous config runs again. */
  rolledBack: 76,
  /** A deploy was unhealthy and there was nothing to roll back to (or the rollback was unhealthy too). */
  unhealthy: 77,
  /** Interrupted (Ctrl-C, TERM, the connection went). */
  interrupted: 130,
  /** ssh's own failure: the script never ran (or the connection dropped). */
  ssh: 255,
} as const

export interface JobEvent {
  event: string
  detail: string
}

/** `::ktrdr <event> <detail>` lines of a run's stdout, in order. */
export function events(stdout: string): JobEvent[] {
  return stdout.split('\n').flatMap((l) => {
    const m = /^::ktrdr (\S+) ?(.*)$/.exec(l)
    return m ? [{ event: m[1]!, detail: m[2]! }] : []
  })
}

/** The detail of the last event of that name, if any. */
export function lastEvent(stdout: string, name: string): string | undefined {
  return events(stdout)
    .filter((e) => e.event === name)
    .at(-1)?.detail
}

/** An onLine handler that hears only the `::ktrdr step <name>` lines (task progress); with `also`, those
 * events too (a rolling deploy's `replica` lines). */
export const onStepLine =
  (cb: (step: string, event: string) => void, also: readonly string[] = []) =>
  (line: string): void => {
    const e = events(line)[0]
    if (e && (e.event === 'step' || also.includes(e.event))) cb(e.detail, e.event)
  }
