// One backup, as shell lines (run on the core host after dirLines/lockLines/containerLines): pg_dump -Fc
// inside the db container, straight into the shared backups directory under a .partial- name (the dump
// never passes through the toolkit). The row counts and checksums are taken in the same snapshot as the
// dump, then, concurrently: full read, sha256, fsync; then rename → fsync dir → manifest (temp, fsync,
// rename) last.
import type { Config } from '../config/model.ts'
import { sh } from '../remote/script.ts'
import { type BackupKind, files, PARTIAL_PREFIX } from './layout.ts'
import { MANIFEST_FORMAT } from './manifest.ts'
import { DUMP_NOISE, mark } from './shell.ts'
import { CHECKSUM_ALGORITHM, statsSql } from './stats-sql.ts'

/**
 * zstd level 1: PostgreSQL 16+ only (the db image is 17). On the bench's 1 GB it dumps in the time of an
 * uncompressed dump (the server's COPY is the bottleneck) and came out smaller than level 3; docs/backup.md.
 */
export const COMPRESSION = 'zstd:1'

export interface DumpOptions {
  base: string
  kind: BackupKind
  /** Database to dump (the live one). */
  database: string
  /** Recorded in the manifest. */
  host: string
}

export function dumpLines(cfg: Config, o: DumpOptions): string[] {
  const f = files(o.base)
  const user = cfg.stack.database.user
  const p = `"$dir/${PARTIAL_PREFIX}${o.base}"`
  const cp = `"$cdir/${PARTIAL_PREFIX}${o.base}"`
  const eof = 'KTRDR_STATS_SQL'
  return [
    `rm -f "$dir"/${PARTIAL_PREFIX}* 2>/dev/null || true # what a run that died left (we hold the lock)`,
    `on_exit 'rm -f ${p}.*'`,
    // Renamed but no manifest yet (killed in between): not a backup, so not left looking like one.
    `on_exit '[ -f "$dir/${f.manifest}" ] || rm -f "$dir/${f.dump}" "$dir/${f.roles}"'`,
    // Logs live outside the backups directory: on a full disk they are what says why.
    'log=$(mktemp /tmp/ktrdr-backup-log.XXXXXX) && psql_log=$(mktemp /tmp/ktrdr-backup-log.XXXXXX)',
    `on_exit 'rm -f "$log" "$psql_log"'`,
    'started=$SECONDS',
    mark('step', 'snapshot'),
    `coproc SNAP { dx ${sh(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', o.database])} 2>"$psql_log"; }`,
    // Own copies of the coproc's pipes (bash drops SNAP[] when it ends); close the originals so psql sees EOF.
    'exec {sin}>&"${SNAP[1]}" {sout}<&"${SNAP[0]}"; eval "exec ${SNAP[1]}>&- ${SNAP[0]}<&-"',
    // No parallel workers for the statistics: pg_dump and its server process need the cores meanwhile.
    `printf '%s\\n' 'SET max_parallel_workers_per_gather = 0;' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' 'SELECT pg_export_snapshot();' >&$sin`,
    'snap=""; read -r -t 120 snap <&$sout || true',
    `[[ $snap =~ ^[0-9A-F]+-[0-9A-F]+-[0-9]+$ ]] || fail ${sh([`cannot open a snapshot of database ${o.database}:`])} "$(tail -n 1 "$psql_log")"`,
    'at=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    mark('step', 'dump'),
    `job dump ${sh(['pg_dump', '-Fc', '-Z', COMPRESSION, '-U', user, '-d', o.database])} --snapshot="$snap" -f ${cp}.dump 2>"$log" &`,
    'dump_pid=$!',
    // The roles (not part of any snapshot) meanwhile: a small file, its own log.
    `dx ${sh(['pg_dumpall', '--globals-only', '--no-role-passwords', '-U', user])} -f ${cp}.roles.sql 2>"$log.roles" & roles_pid=$!`,
    `on_exit 'rm -f "$log.roles"'`,
    mark('step', 'statistics'),
    `cat >&$sin <<'${eof}'`,
    statsSql().trimEnd(),
    eof,
    'stats=(); line=""',
    'while IFS= read -r line <&$sout; do [ "$line" = ::end ] && break; stats+=("$line"); done',
    `[ "$line" = ::end ] || { wait $dump_pid 2>/dev/null; fail "the statistics query failed: $(tail -n 1 "$psql_log")"; }`,
    `if ! wait $dump_pid; then err=$(${DUMP_NOISE} < "$log" | tail -n 3 | tr '\\n' ' '); fail "pg_dump failed: \${err:-killed}"; fi`,
    `printf 'COMMIT;\\n' >&$sin; exec {sin}>&-; wait $SNAP_PID 2>/dev/null || true`,
    mark('step', 'roles'),
    'wait $roles_pid || fail "pg_dumpall --globals-only failed: $(tail -n 1 "$log.roles")"',
    // Three reads of the file just written, at once (two cores): the full read (every entry decoded), the
    // checksums, the fsync. Each must succeed; all must end before the rename.
    mark('step', 'verify'),
    'sums=$(mktemp /tmp/ktrdr-backup-sum.XXXXXX); on_exit \'rm -f "$sums"\'',
    `{ sha256sum < ${p}.dump && sha256sum < ${p}.roles.sql; } > "$sums" 2>>"$log" & sum_pid=$!`,
    `chmod 0600 ${p}.dump ${p}.roles.sql && sync ${p}.dump ${p}.roles.sql 2>>"$log" & sync_pid=$!`,
    `bg job verify pg_restore -f /dev/null ${cp}.dump 2>>"$log" || fail "the dump does not read back in full (pg_restore -f /dev/null): $(tail -n 1 "$log")"`,
    'wait $sum_pid || fail "cannot read the dump back for its checksum"',
    'wait $sync_pid || fail "fsync of the dump failed: $(tail -n 1 "$log")"',
    '{ read -r dump_sha _ && read -r roles_sha _; } < "$sums" || fail "cannot read the dump back for its checksum"',
    `dump_size=$(stat -c %s ${p}.dump); roles_size=$(stat -c %s ${p}.roles.sql)`,
    `mv -T ${p}.dump "$dir/${f.dump}" && mv -T ${p}.roles.sql "$dir/${f.roles}" && sync "$dir" || fail "rename into place failed"`,
    mark('step', 'manifest'),
    `tables=$(IFS=,; printf '%s' "\${stats[*]:2}")`,
    `printf '{"format":"%s","kind":"%s","time":"%s","host":"%s","server":%s,"hypertables":%s,"tables":[%s],"checksum_algorithm":"%s","dump":{"file":"%s","size":%s,"sha256":"%s","format":"custom","compression":"%s"},"roles":{"file":"%s","size":%s,"sha256":"%s"},"duration_s":%s}\\n' ${sh([MANIFEST_FORMAT, o.kind])} "$at" ${sh([o.host])} "\${stats[0]}" "\${stats[1]}" "$tables" ${sh([CHECKSUM_ALGORITHM, f.dump])} "$dump_size" "$dump_sha" ${sh([COMPRESSION, f.roles])} "$roles_size" "$roles_sha" "$((SECONDS - started))" > ${p}.manifest.json || fail "cannot write the manifest (disk full?)"`,
    `sync ${p}.manifest.json && mv -T ${p}.manifest.json "$dir/${f.manifest}" && sync "$dir" || fail "cannot put the manifest in place"`,
    `echo "::ktrdr backup ${o.base} $dump_size $dump_sha"`,
  ]
}
