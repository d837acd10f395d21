// Shell lines every backup, restore and drill script starts with: the backups directory and its lock,
// the running db container, and `job` — a command run inside the container that can be stopped from
// outside. `docker exec` does not forward signals: when the operator presses Ctrl-C the client dies but
// pg_dump or pg_restore would carry on inside the container, so each job records its process group
// and the EXIT trap ends it.
import type { Config } from '../config/model.ts'
import { projectName } from '../compose/workers.ts'
import { mark } from '../deploy/steps.ts'
import { mountedCheck } from '../remote/mount.ts'
import { sh } from '../remote/script.ts'
import { type BackupDirs, LOCK_NAME } from './layout.ts'

export const LOCK_BUSY_EXIT = 75
export const CORRUPT_EXIT = 65
export const MISMATCH_EXIT = 66

export { mark }

/** The outer shell's failure helper: one `::ktrdr failed <why>` line, then exit 1 (the EXIT trap cleans up). */
export const FAIL_FUNCTION = `fail() { echo "::ktrdr failed $*"; exit "\${FAIL_CODE:-1}"; }`

export function dirLines(dirs: BackupDirs): string[] {
  return [
    'umask 077',
    `dir=${sh([dirs.host])}`,
    `cdir=${sh([dirs.container])}`,
    FAIL_FUNCTION,
    mountedCheck(dirs.mount, (why) => `fail ${sh([`the shared mount ${why}`])}`),
  ]
}

/** mkdir is atomic: one backup, prune, restore or drill at a time per backups directory. */
export function lockLines(owner: string): string[] {
  return [
    mark('step', 'lock'),
    'mkdir -p "$dir" || fail "cannot create the backups directory $dir"',
    `if ! mkdir "$dir/${LOCK_NAME}" 2>/dev/null; then echo "::ktrdr locked $(cat "$dir/${LOCK_NAME}/owner" 2>/dev/null || echo unknown)"; exit ${LOCK_BUSY_EXIT}; fi`,
    `on_exit 'rm -rf "$dir/${LOCK_NAME}"'`,
    `printf '%s\\n' ${sh([owner])} > "$dir/${LOCK_NAME}/owner"`,
  ]
}

/**
 * The running container of a core service, by the labels compose puts on it (the file we ship names its
 * project): one `docker ps`, a fifth of what `docker compose ps` costs.
 */
export function runningContainer(cfg: Config, service: string): string {
  return sh([
    'docker',
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${projectName(cfg.stack.core.compose_path)}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--filter',
    'label=com.docker.compose.oneoff=False',
    '--filter',
    'status=running',
  ])
}

/** Find the running db container of the core compose project; define dx (exec) and job (stoppable exec). */
export function containerLines(cfg: Config): string[] {
  return [
    mark('step', 'container'),
    `cid=$(${runningContainer(cfg, 'db')} 2>/dev/null | head -n 1 || true)`,
    `[ -n "$cid" ] || fail ${sh([`the db container is not running (${cfg.stack.core.compose_path}, service db): start it with make deploy-core SERVICE=db, or run make recover-core`])}`,
    'dx() { docker exec -i "$cid" "$@"; }',
    'run_id="$$-$RANDOM"',
    // job NAME CMD…: runs CMD in its own session inside the container; killjobs ends every one still running.
    `job() { local n=$1; shift; docker exec -i "$cid" setsid -w bash -c 'echo $$ > "/tmp/ktrdr-job-$0.pid"; "$@"; rc=$?; rm -f "/tmp/ktrdr-job-$0.pid"; exit $rc' "$run_id-$n" "$@"; }`,
    `killjobs() { docker exec "$cid" bash -c 'for f in /tmp/ktrdr-job-"$0"-*.pid; do [ -f "$f" ] || continue; kill -TERM -- "-$(cat "$f")" 2>/dev/null; rm -f "$f"; done' "$run_id" 2>/dev/null || true; }`,
    'on_exit killjobs',
    // Long steps run in the background and are waited for: bash then acts on TERM at once (a foreground
    // child would have to finish first).
    'bg() { "$@" & wait $!; }',
  ]
}

/** psql inside the container as the configured user: -X (no psqlrc), stop on the first error. */
export function psql(cfg: Config, db: string, extra: string[] = []): string {
  return `dx ${sh(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', cfg.stack.database.user, '-d', db, ...extra])}`
}

/** TimescaleDB's own pg_dump noise (its catalog has circular foreign keys): not a problem, not shown. */
export const DUMP_NOISE =
  "{ grep -v -e 'circular foreign-key constraints' -e '^pg_dump: detail: \\(hypertable\\|chunk\\|continuous_agg\\)$' -e 'You might not be able to restore the dump without' -e 'Consider using a full dump instead' || true; }"
