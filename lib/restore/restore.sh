# The restore and the drill on the core host (after lib/backup/backup.sh: backups_dir, db_container, job, bg,
# psql_in). Phase 1 changes nothing live: check the chosen dump, restore it into a fresh scratch database
# following TimescaleDB's procedure (pre_restore → pg_restore → post_restore), print its statistics. Phase 2
# stops the backend and swaps, keeping the replaced copy; restore-cleanup drops it later. Variables, bound by
# lib/restore/job.ts: file format (custom | plain-gzip) dump_sha dump_size roles_file roles_sha scratch live
# old tsdb (the manifest's TimescaleDB version, or empty) apply_roles drill stats_sql restore_pgoptions
# compose_path. SQL identifiers reach psql as variables (:"name"), never pasted into the SQL.
# shellcheck disable=SC2154 # the variables are bound by lib/restore/job.ts (bind) ahead of this file

# corrupt WHY: the dump is damaged; exit 65 (EXIT.corrupt) before anything was changed.
corrupt() { FAIL_CODE=65 fail "$file is damaged: $1; nothing was changed"; }

# A failed COPY's CONTEXT line quotes the row it choked on: table data, never shown in a message.
no_row_data() { grep -v -e 'CONTEXT:' -e '^COPY ' || true; }

# check_dump: refuse a damaged dump before anything is touched. A dump with a manifest was read in full when it
# was taken and its sha256 recorded: the same sha256 now means the same bytes (pg_restore would stop on a
# damaged archive anyway, in the scratch database). A plain .sql.gz has no such record: it is decompressed to
# the end and must end with pg_dump's closing line.
check_dump() {
  local sum size_now tail_out
  ktrdr_event step check
  if [ "$format" = plain-gzip ]; then
    # shellcheck disable=SC2016 # $1 is the container's
    tail_out=$(bg job check bash -c 'set -o pipefail; gzip -dc "$1" | tail -c 4096' _ "$cdir/$file" 2>&1) ||
      corrupt 'gzip cannot read it to the end'
    grep -q 'PostgreSQL database dump complete' <<<"$tail_out" ||
      corrupt "the SQL ends before pg_dump's closing line (the dump was cut short)"
    return 0
  fi
  sum=$(sha256_of "$dir/$file") || corrupt 'cannot be read'
  if [ "$sum" != "$dump_sha" ]; then
    size_now=$(stat -c %s "$dir/$file" 2>/dev/null || echo unknown)
    corrupt "sha256 differs from the manifest's (size now $size_now, manifest $dump_size)"
  fi
  sum=$(sha256_of "$dir/$roles_file") && [ "$sum" = "$roles_sha" ] ||
    corrupt "the roles file $roles_file differs from the manifest"
}

# pg_restore -j2, except TimescaleDB's catalog: its tables reference each other (hypertable ← chunk,
# dimension ← dimension_slice) and parallel workers load them in any order, so their data goes first, serially.
# Run by the container's bash: file, database, user, PGOPTIONS, then extra pg_restore flags.
# shellcheck disable=SC2016 # the container's bash expands these
parallel_restore='set -eo pipefail; f=$1; db=$2; u=$3; export PGOPTIONS=$4; x=("${@:5}"); '\
'toc=$(mktemp); trap "rm -f \"$toc\"" EXIT
pg_restore -l "$f" | grep -v " TABLE DATA _timescaledb_catalog " > "$toc"
pg_restore --exit-on-error "${x[@]}" -U "$u" -d "$db" --section=pre-data "$f"
pg_restore --exit-on-error "${x[@]}" -U "$u" -d "$db" --section=data -n _timescaledb_catalog "$f"
pg_restore --exit-on-error "${x[@]}" -j 2 -U "$u" -d "$db" --section=data --section=post-data -L "$toc" "$f"'

# drop_scratch_unless_kept: on exit, the scratch database goes unless phase 1 got to its end (keep_scratch=1).
drop_scratch_unless_kept() {
  [ "${keep_scratch:-0}" = 1 ] ||
    printf '%s\n' 'DROP DATABASE IF EXISTS :"scratch" WITH (FORCE);' |
    dx psql -X -q -v scratch="$scratch" -U "$db_user" -d postgres >/dev/null 2>&1
}

# restore_into: create the scratch database and restore into it; it is dropped on any failure. A drill
# changes nothing outside its scratch database: the backup's roles are not applied to the cluster, and
# objects are restored without owners and privileges (the data, counts and checksums are the same).
# TimescaleDB's post_restore and the statistics share one psql session (a docker exec and a psql start less).
restore_into() {
  local restore_log extra=()
  ktrdr_event step create
  psql_in postgres -v scratch="$scratch" -v owner="$db_user" <<'SQL'
CREATE DATABASE :"scratch" TEMPLATE template0 OWNER :"owner";
SQL
  on_exit drop_scratch_unless_kept
  restore_log=$(mktemp /tmp/ktrdr-restore-log.XXXXXX)
  on_exit "rm -f $restore_log"
  if [ "$apply_roles" = 1 ]; then
    ktrdr_event step roles
    dx psql -X -q -U "$db_user" -d postgres -f "$cdir/$roles_file" 2>&1 |
      grep -v 'already exists' >>"$restore_log" || true
  fi
  ktrdr_event step pre-restore
  psql_in "$scratch" -v tsdb="$tsdb" >/dev/null <<'SQL'
SELECT :'tsdb' <> '' AS ktrdr_pinned \gset
\if :ktrdr_pinned
CREATE EXTENSION IF NOT EXISTS timescaledb VERSION :'tsdb';
\else
CREATE EXTENSION IF NOT EXISTS timescaledb;
\endif
SELECT timescaledb_pre_restore();
SQL
  ktrdr_event step restore
  if [ "$format" = custom ]; then
    [ "$drill" = 1 ] && extra=(--no-owner --no-acl)
    bg job restore bash -c "$parallel_restore" _ "$cdir/$file" "$scratch" "$db_user" \
      "$restore_pgoptions" "${extra[@]}" \
      2>>"$restore_log" ||
      fail "pg_restore failed: $(dump_noise <"$restore_log" | no_row_data | tail -n 2 | tr '\n' ' ')"
  else
    # shellcheck disable=SC2016 # the container's bash expands these
    bg job restore bash -c 'set -o pipefail; export PGOPTIONS="$4"; '\
'gzip -dc "$1" | psql -X -q -v ON_ERROR_STOP=1 -U "$2" -d "$3" >/dev/null' \
      _ "$cdir/$file" "$db_user" "$scratch" "$restore_pgoptions" 2>>"$restore_log" ||
      fail "psql failed on the plain dump: $(no_row_data <"$restore_log" | tail -n 2 | tr '\n' ' ')"
  fi
  ktrdr_event step statistics
  ktrdr_event stats-begin
  printf '%s\n%s\n' 'SELECT timescaledb_post_restore() \g /dev/null' "$stats_sql" | psql_in "$scratch" -A -t
  keep_scratch=1
}

# stop_backend: phase 2 starts by stopping the backend (if it runs). Its restart is registered before the
# stop, so a stop cut short still gets it back; the replaced copy, kept by the swap, holds every write.
stop_backend() {
  local backend
  ktrdr_event step stop-backend
  backend=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.service=backend --filter label=com.docker.compose.oneoff=False \
    --filter status=running 2>/dev/null || true)
  [ -n "$backend" ] || return 0
  on_exit start_backend
  docker compose -f "$compose_path" stop -t 20 backend >/dev/null 2>&1 || fail "cannot stop the backend"
  ktrdr_event backend-stopped
}
start_backend() {
  if docker compose -f "$compose_path" start backend >/dev/null 2>&1; then
    ktrdr_event backend-started
  else
    ktrdr_event warn "the backend did not start again: run make deploy-core"
  fi
}

# reopen_live: if the swap did not happen, the live database takes connections again.
reopen_live() {
  [ "${swapped:-0}" = 1 ] ||
    printf '%s\n' 'ALTER DATABASE :"live" WITH ALLOW_CONNECTIONS true;' |
    dx psql -X -q -v live="$live" -U "$db_user" -d postgres >/dev/null 2>&1 || true
}

# swap: lock the live database out and swap names in one transaction; the replaced copy is kept, renamed (old),
# as the safety copy: nothing inside the window grows with the database (no dump, no DROP waiting for its
# checkpoint). make restore-cleanup drops it later. While psql runs it, INT/TERM/HUP are ignored by this shell
# and the docker client (an ignored signal stays ignored across exec): the transaction inside the container
# would go on anyway, so the run waits for it and reports what happened.
swap() {
  local swap_out swap_rc=0
  ktrdr_event step swap
  on_exit reopen_live
  trap '' INT TERM HUP
  swap_out=$(psql_in postgres -v live="$live" -v scratch="$scratch" -v old="$old" <<'SQL'
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'live') AS has_live \gset
\if :has_live
ALTER DATABASE :"live" WITH ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity
WHERE datname = :'live' AND pid <> pg_backend_pid() \g /dev/null
BEGIN;
ALTER DATABASE :"live" RENAME TO :"old";
ALTER DATABASE :"scratch" RENAME TO :"live";
COMMIT;
\echo ::ktrdr swap-committed
\echo ::ktrdr kept
ALTER DATABASE :"old" WITH ALLOW_CONNECTIONS true;
\else
ALTER DATABASE :"scratch" RENAME TO :"live";
\echo ::ktrdr swap-committed
\endif
SQL
  ) || swap_rc=$?
  trap 'exit 130' INT TERM HUP PIPE
  case $swap_out in
    *'::ktrdr swap-committed'*) swapped=1 ;;
    *) fail "the swap failed; the live database is unchanged" ;;
  esac
  case $swap_out in *'::ktrdr kept'*) ktrdr_event kept "$old" ;; esac
  [ "$swap_rc" = 0 ] || ktrdr_event warn "psql exited $swap_rc after the swap committed: $live is the restored copy"
  ktrdr_event swapped "$live"
}

# replaced_list: the replaced copies restores kept of the live database (<live>_old_<stamp>), one `replaced`
# event each: name, size in bytes, stamp. Read-only.
replaced_list() {
  local name size
  while IFS='|' read -r name size; do
    [ -n "$name" ] && ktrdr_event replaced "$name $size"
  done < <(psql_in postgres -A -t -v live="$live" <<'SQL'
SELECT datname || '|' || pg_database_size(datname) FROM pg_database
WHERE datname ~ ('^' || :'live' || '_old_[0-9]{8}t[0-9]{6}z$') ORDER BY datname;
SQL
  )
}

# drop_replaced: each of drop_names=() (replaced copies: <live>_old_<stamp>, checked again here) dropped, one
# `dropped` event each; nothing else is ever dropped.
drop_replaced() {
  local name re="^${live}_old_[0-9]{8}t[0-9]{6}z\$"
  ktrdr_event step drop
  for name in "${drop_names[@]}"; do
    [[ $name =~ $re ]] || fail "$name is not a replaced copy of $live: not dropped"
    printf '%s\n' 'DROP DATABASE IF EXISTS :"name" WITH (FORCE);' | psql_in postgres -v name="$name" >/dev/null
    ktrdr_event dropped "$name"
  done
}

# drop_scratch: after an interrupted or failed run (the cleanup): whether it was still there, then gone.
drop_scratch() {
  local present
  present=$(dx psql -X -q -A -t -v scratch="$scratch" -U "$db_user" -d postgres <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'scratch';
SQL
  )
  ktrdr_event scratch-present "$present"
  printf '%s\n' 'DROP DATABASE IF EXISTS :"scratch" WITH (FORCE);' | psql_in postgres -v scratch="$scratch" >/dev/null
}

# probe: read-only — the server's TimescaleDB (what CREATE EXTENSION would install), whether the live database
# exists, and the scratch databases a run left.
probe() {
  local out
  out=$(psql_in postgres -A -t -v live="$live" <<'SQL'
SELECT json_build_object('server_version', current_setting('server_version'),
  'timescaledb', (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'),
  'live_exists', EXISTS (SELECT 1 FROM pg_database WHERE datname = :'live'),
  'scratch', (SELECT coalesce(json_agg(datname), '[]') FROM pg_database
    WHERE datname ~ '_(restore|drill)_[0-9]{8}t[0-9]{6}z$'))::text;
SQL
  )
  ktrdr_event probe "$out"
}
