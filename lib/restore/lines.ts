// The restore's shell lines. Phase 1 (nothing live changes): check the chosen dump (sha256 against its
// manifest; a plain .sql.gz is read in full), restore into a fresh scratch database following TimescaleDB's
// procedure (pre_restore → pg_restore → post_restore), print its statistics. Phase 2: stop the backend,
// take a safety dump of the live database, swap.
import type { BackupEntry } from '../backup/inventory.ts'
import type { Config } from '../config/model.ts'
import { sh } from '../remote/script.ts'
import { CORRUPT_EXIT, DUMP_NOISE, mark, psql, runningContainer } from '../backup/shell.ts'
import { CHECKSUM_ALGORITHM, statsSql } from '../backup/stats-sql.ts'

const sq = (s: string) => `'${s.replace(/'/g, "''")}'`
const heredoc = (cmd: string, body: string[]) => [`${cmd} <<'KTRDR_SQL'`, ...body, 'KTRDR_SQL']

/**
 * Refuse a damaged dump before anything is touched. A dump with a manifest was read in full when it was
 * taken and its sha256 recorded then: the same sha256 now means the same bytes, so no second full read
 * (pg_restore would stop on a damaged archive anyway, in the scratch database). A plain .sql.gz has no
 * such record: it is decompressed to the end and must end with pg_dump's closing line.
 */
export function checkDumpLines(e: BackupEntry): string[] {
  const file = sh([e.file])
  const corrupt = (why: string) =>
    `FAIL_CODE=${CORRUPT_EXIT} fail ${sh([`${e.file} is damaged: ${why}; nothing was changed`])}`
  if (e.format === 'plain-gzip')
    return [
      mark('step', 'check'),
      `tail_out=$(bg job check bash -c 'set -o pipefail; gzip -dc "$1" | tail -c 4096' _ "$cdir"/${file} 2>&1) || ${corrupt('gzip cannot read it to the end')}`,
      `grep -q 'PostgreSQL database dump complete' <<<"$tail_out" || ${corrupt("the SQL ends before pg_dump's closing line (the dump was cut short)")}`,
    ]
  const m = e.manifest!
  return [
    mark('step', 'check'),
    `sum=$(sha256sum < "$dir"/${file}) || ${corrupt('cannot be read')}`,
    `[ "\${sum%% *}" = ${m.dump.sha256} ] || { size_now=$(stat -c %s "$dir"/${file} 2>/dev/null || echo unknown); FAIL_CODE=${CORRUPT_EXIT} fail ${sh([`${e.file} is damaged: sha256 differs from the manifest's (size now`])} "$size_now," ${sh([`manifest ${m.dump.size}); nothing was changed`])}; }`,
    `sum=$(sha256sum < "$dir"/${sh([m.roles.file])}) && [ "\${sum%% *}" = ${m.roles.sha256} ] || ${corrupt(`the roles file ${m.roles.file} differs from the manifest`)}`,
  ]
}

/** A failed COPY's CONTEXT line quotes the row it choked on: table data, never shown in a message. */
const NO_ROW_DATA = "{ grep -v -e 'CONTEXT:' -e '^COPY ' || true; }"

/**
 * Session settings for the restore's connections: index builds sort in memory (two at a time with -j2,
 * so up to 2 × this), and commits do not wait for their WAL flush — a crash mid-restore loses only the
 * scratch database, which is dropped anyway, and the swap's own commit flushes everything before it.
 * Measured on 1 GB: post-data 8.3 → 5.5 s.
 */
export const RESTORE_PGOPTIONS = '-c maintenance_work_mem=256MB -c synchronous_commit=off'

/**
 * pg_restore -j2, except TimescaleDB's catalog: its tables reference each other (hypertable ← chunk,
 * dimension ← dimension_slice) and parallel workers load them in any order, so their data goes first,
 * serially. Then everything else in parallel. Arguments: file, database, user, and extra pg_restore flags
 * (the drill's `--no-owner --no-acl`).
 */
export const PARALLEL_RESTORE = [
  `set -eo pipefail; f=$1; db=$2; u=$3; x=("\${@:4}"); toc=$(mktemp); trap 'rm -f "$toc"' EXIT; export PGOPTIONS=${sh([RESTORE_PGOPTIONS])}`,
  'pg_restore -l "$f" | grep -v " TABLE DATA _timescaledb_catalog " > "$toc"',
  'pg_restore --exit-on-error "${x[@]}" -U "$u" -d "$db" --section=pre-data "$f"',
  'pg_restore --exit-on-error "${x[@]}" -U "$u" -d "$db" --section=data -n _timescaledb_catalog "$f"',
  'pg_restore --exit-on-error "${x[@]}" -j 2 -U "$u" -d "$db" --section=data --section=post-data -L "$toc" "$f"',
].join('\n')

/**
 * Create the scratch database and restore into it; it is dropped on any failure (keep_scratch=1 at the end).
 * A drill changes nothing outside its scratch database: the backup's roles are not applied to the cluster,
 * and objects are restored without owners and privileges (the data, counts and checksums are the same).
 */
export function restoreIntoLines(
  cfg: Config,
  e: BackupEntry,
  scratch: string,
  checksums: boolean,
  drill = false,
): string[] {
  // The checksums are computed the way the manifest's were (older manifests: the text form).
  const stats = statsSql(e.manifest?.checksum_algorithm ?? CHECKSUM_ALGORITHM, checksums)
  const user = cfg.stack.database.user
  const tsdb = e.manifest?.server.timescaledb
  const log = '"$restore_log"'
  return [
    mark('step', 'create'),
    ...heredoc(psql(cfg, 'postgres'), [
      `CREATE DATABASE ${JSON.stringify(scratch)} TEMPLATE template0 OWNER ${JSON.stringify(user)};`,
    ]),
    `on_exit ${sh([`[ "\${keep_scratch:-0}" = 1 ] || printf '%s\\n' ${sh([`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE);`])} | dx psql -X -q -U ${sh([user])} -d postgres >/dev/null 2>&1`])}`,
    'restore_log=$(mktemp /tmp/ktrdr-restore-log.XXXXXX)',
    `on_exit 'rm -f ${log}'`,
    ...(e.format === 'custom' && e.manifest?.roles && !drill
      ? [
          mark('step', 'roles'),
          `dx psql -X -q -U ${sh([user])} -d postgres -f "$cdir"/${sh([e.manifest.roles.file])} 2>&1 | grep -v 'already exists' >>${log} || true`,
        ]
      : []),
    mark('step', 'pre-restore'),
    ...heredoc(psql(cfg, scratch), [
      ...(tsdb
        ? [`CREATE EXTENSION IF NOT EXISTS timescaledb VERSION ${sq(tsdb)};`]
        : ['CREATE EXTENSION IF NOT EXISTS timescaledb;']),
      'SELECT timescaledb_pre_restore();',
    ]).map((l, i) => (i === 0 ? `${l} >/dev/null` : l)),
    mark('step', 'restore'),
    e.format === 'custom'
      ? `bg job restore bash -c ${sh([PARALLEL_RESTORE])} _ "$cdir"/${sh([e.file, scratch, user, ...(drill ? ['--no-owner', '--no-acl'] : [])])} 2>>${log} || fail "pg_restore failed: $(${DUMP_NOISE} < ${log} | ${NO_ROW_DATA} | tail -n 2 | tr '\\n' ' ')"`
      : `bg job restore bash -c 'set -o pipefail; export PGOPTIONS="$4"; gzip -dc "$1" | psql -X -q -v ON_ERROR_STOP=1 -U "$2" -d "$3" >/dev/null' _ "$cdir"/${sh([e.file, user, scratch, RESTORE_PGOPTIONS])} 2>>${log} || fail "psql failed on the plain dump: $(${NO_ROW_DATA} < ${log} | tail -n 2 | tr '\\n' ' ')"`,
    mark('step', 'post-restore'),
    `echo 'SELECT timescaledb_post_restore();' | ${psql(cfg, scratch)} >/dev/null`,
    mark('step', 'statistics'),
    'echo "::ktrdr stats-begin"',
    ...heredoc(`${psql(cfg, scratch, ['-A', '-t'])}`, [stats.trimEnd()]),
    'keep_scratch=1',
  ]
}

/**
 * Phase 2 starts by stopping the backend (if running). Its restart is registered before the stop, so a stop
 * cut short still gets it back. The safety dump follows (lib/restore/run.ts): after the stop, so it holds
 * every write the live database got; then swapLines.
 */
export function stopBackendLines(cfg: Config): string[] {
  const compose = sh(['docker', 'compose', '-f', cfg.stack.core.compose_path])
  return [
    mark('step', 'stop-backend'),
    `backend=$(${runningContainer(cfg, 'backend')} 2>/dev/null || true)`,
    `if [ -n "$backend" ]; then on_exit '${compose} start backend >/dev/null 2>&1 && echo "::ktrdr backend-started" || echo "::ktrdr warn the backend did not start again: run make deploy-core"'; ${compose} stop -t 20 backend >/dev/null 2>&1 || fail "cannot stop the backend"; echo "::ktrdr backend-stopped"; fi`,
  ]
}

/**
 * The swap: lock the live database out, swap names in one transaction, drop the replaced copy. While psql
 * runs it, INT/TERM/HUP are ignored by this shell and the docker client (an ignored signal stays ignored
 * across exec): the transaction inside the container would go on anyway, so the run waits for it and
 * reports what happened. After COMMIT the swap is done even if the drop then fails.
 */
export function swapLines(cfg: Config, scratch: string, live: string, old: string): string[] {
  const vars = ['-v', `live=${live}`, '-v', `scratch=${scratch}`, '-v', `old=${old}`]
  return [
    mark('step', 'swap'),
    `on_exit '[ "\${swapped:-0}" = 1 ] || printf "%s\\n" "ALTER DATABASE :\\"live\\" WITH ALLOW_CONNECTIONS true;" | dx psql -X -q ${sh(vars.slice(0, 2))} -U ${sh([cfg.stack.database.user])} -d postgres >/dev/null 2>&1 || true'`,
    "trap '' INT TERM HUP",
    'swap_rc=0',
    ...heredoc(`swap_out=$(${psql(cfg, 'postgres', vars)}`, [
      "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'live') AS has_live \\gset",
      '\\if :has_live',
      'ALTER DATABASE :"live" WITH ALLOW_CONNECTIONS false;',
      "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE datname = :'live' AND pid <> pg_backend_pid() \\g /dev/null",
      'BEGIN;',
      'ALTER DATABASE :"live" RENAME TO :"old";',
      'ALTER DATABASE :"scratch" RENAME TO :"live";',
      'COMMIT;',
      '\\echo ::ktrdr swap-committed',
      'DROP DATABASE :"old" WITH (FORCE);',
      '\\else',
      'ALTER DATABASE :"scratch" RENAME TO :"live";',
      '\\echo ::ktrdr swap-committed',
      '\\endif',
    ]).map((l, i, a) => (i === a.length - 1 ? `${l}\n) || swap_rc=$?` : l)),
    "trap 'exit 130' INT TERM HUP PIPE",
    'case "$swap_out" in',
    `  *'::ktrdr swap-committed'*) swapped=1; [ "$swap_rc" = 0 ] || echo ${sh([`::ktrdr warn ${live} is the restored copy, but the replaced copy ${old} could not be dropped: drop it by hand (DROP DATABASE "${old}")`])} ;;`,
    '  *) fail "the swap failed; the live database is unchanged" ;;',
    'esac',
    mark('swapped', live),
  ]
}

export function dropScratchLines(cfg: Config, scratch: string): string[] {
  return [
    `present=$(printf '%s\\n' ${sh([`SELECT count(*) FROM pg_database WHERE datname = '${scratch}';`])} | dx psql -X -q -A -t -U ${sh([cfg.stack.database.user])} -d postgres)`,
    'echo "::ktrdr scratch-present $present"',
    `printf '%s\\n' ${sh([`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE);`])} | dx psql -X -q -U ${sh([cfg.stack.database.user])} -d postgres >/dev/null`,
  ]
}

/** Read-only: the server's TimescaleDB (what CREATE EXTENSION would install) and whether the live database exists. */
export function probeLines(cfg: Config, live: string): string[] {
  return [
    `probe=$(${psql(cfg, 'postgres', ['-A', '-t', '-v', `live=${live}`])} <<'KTRDR_SQL'`,
    "SELECT json_build_object('server_version', current_setting('server_version'), 'timescaledb', (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'), 'live_exists', EXISTS (SELECT 1 FROM pg_database WHERE datname = :'live'), 'scratch', (SELECT coalesce(json_agg(datname), '[]') FROM pg_database WHERE datname ~ '_(restore|drill)_[0-9]{8}t[0-9]{6}z$'))::text;",
    'KTRDR_SQL',
    ')',
    'echo "::ktrdr probe $probe"',
  ]
}
