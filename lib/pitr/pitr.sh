# Point-in-time recovery's jobs on the core host (docs/backup.md, "Point-in-time recovery"): pgBackRest's
# repository on the shared mount, base backups, what can be restored, and the restore to a moment into a
# scratch cluster beside the live one (its own data directory in the db volume, its own container), swapped
# in by renames. After lib/backup/backup.sh (backups_dir, db_container, db_image_of, job_as). Variables, bound by
# lib/pitr/job.ts: stanza repo repo_host pgdata side conf conf_host volume db_image db_port; for a base
# backup: backup_type; for a restore: target ("" for the end of the archive) rstamp stats_sql.
# shellcheck disable=SC2154 # the variables are bound by lib/pitr/job.ts (bind) ahead of this file

# pgbr ARG…: pgBackRest in the db container, as the server's user (the repository's files are its own).
pgbr() { docker exec -i -u postgres "$cid" pgbackrest --stanza="$stanza" "$@"; }

# pgbr_failed WHAT OUT: pgBackRest's error (its ERROR line and the lines after it) in one line.
pgbr_failed() {
  local err
  err=$(printf '%s\n' "$2" | sed -n '/ERROR:/,$p' | sed -E 's/^([0-9-]+ [0-9:.]+ )?P[0-9]+ +//' | tr -s ' \n' ' ')
  fail "$1: ${err:-$(printf '%s' "$2" | tail -n 2 | tr '\n' ' ')}"
}

# pitr_repo: the repository, on the shared mount (checked by backups_dir), with its stanza (idempotent). Made
# by root in the container for the server's user: the directory's owner is the image's postgres, whatever uid.
# A repository of another cluster (a fresh initdb: pgBackRest's error 028) is refused, unless new_cluster=1
# (make recover-core, which made this cluster to replace that one): then the stanza is upgraded to it, and the
# other cluster's backups and WAL stay for restores to times before it.
pitr_repo() {
  local out
  ktrdr_event step repository
  dx install -d -o postgres -g postgres -m 0750 "$repo" || fail "cannot create the repository $repo_host"
  out=$(pgbr stanza-create 2>&1) && return 0
  case $out in
    *'ERROR: [028]'*)
      if [ "${new_cluster:-0}" = 1 ]; then
        out=$(pgbr stanza-upgrade 2>&1) ||
          pgbr_failed "pgBackRest could not take this cluster into its repository $repo_host" "$out"
        ktrdr_event warn "the pgBackRest repository held the replaced cluster's base backups and WAL: they stay," \
          "for restores to times before this recovery; this cluster archives beside them from now on"
        return 0
      fi
      fail "the pgBackRest repository $repo_host belongs to another cluster (this db was initialised afresh):" \
        "make recover-core takes it over; by hand, once sure this cluster replaces that one: docker compose -f" \
        "$compose_path exec -u postgres db pgbackrest --stanza=$stanza stanza-upgrade"
      ;;
  esac
  pgbr_failed "pgBackRest could not set up its repository in $repo_host" "$out"
}

# base_backup: a base backup of backup_type (full or diff) into the repository, then pgBackRest's expire
# (retention) as part of it. Ends with `base-backup <label>`.
base_backup() {
  local out label
  ktrdr_event step base-backup
  out=$(bg job_as postgres base pgbackrest --stanza="$stanza" --type="$backup_type" backup 2>&1) ||
    pgbr_failed "the base backup failed" "$out"
  label=$(pgbr info --output=json 2>/dev/null | grep -o '"label":"[^"]*"' | tail -n 1 | cut -d '"' -f 4 || true)
  ktrdr_event base-backup "$label"
}

# pitr_info: what the repository holds (pgBackRest's info, one JSON line), and the newest archived WAL
# segment: `wal-newest <epoch seconds it reached the repository> <file>` (none: `wal-newest 0 -`). Read-only;
# works with the db down (it reads the repository through a one-off container of the db image).
pitr_info() {
  local info
  ktrdr_event step repository
  [ -d "$repo_host" ] || fail "there is no pgBackRest repository at $repo_host: run make backup first"
  info=$(side_run pgbackrest --stanza="$stanza" info --output=json 2>&1) ||
    pgbr_failed "pgBackRest could not read its repository $repo_host" "$info"
  ktrdr_event pitr-info "$(printf '%s' "$info" | tr -d '\n')"
  wal_newest
}

# wal_newest: `wal-newest <epoch seconds it reached the repository> <file>` of the newest archived segment.
wal_newest() {
  local newest
  newest=$(find "$repo_host/archive/$stanza" -type f -name '[0-9A-F]*[0-9A-F]-*' -printf '%T@ %f\n' 2>/dev/null |
    sort -n | tail -n 1 || true)
  ktrdr_event wal-newest "${newest:-0 -}"
}

# side_run [--volume] CMD…: CMD in a one-off container of the db image, as the server's user, on no network,
# with the shared mount and pgBackRest's configuration as the db container has them (and the db volume).
side_run() {
  local vol=()
  if [ "$1" = --volume ]; then
    vol=(-v "$volume:$pgdata")
    shift
  fi
  [ -n "${image:-}" ] || db_image_of
  docker run --rm -i --network none --user postgres --entrypoint "$1" "${vol[@]}" \
    -v "$mount:$shared_cpath" -v "$conf_host:$conf:ro" "$image" "${@:2}"
}

# repo_verify: pgBackRest's verify of the whole repository (every base backup's files and every WAL segment
# against their checksums, each segment decompressed) before anything is restored; a damaged one refuses the
# restore (exit 65), naming the files. No retries: a damaged file stays damaged (with them, each took 15 s).
repo_verify() {
  local out files
  ktrdr_event step verify
  out=$(side_run pgbackrest --stanza="$stanza" verify --output=text --log-level-console=info --job-retry=0 2>&1) ||
    pgbr_failed "pgBackRest could not verify the repository $repo_host" "$out"
  case $out in *'status: error'*) ;; *) return 0 ;; esac
  files=$(printf '%s\n' "$out" | sed -n -E \
    -e "s|.*INFO: invalid result ([^:]+):.*|$repo_host/archive/$stanza/\\1|p" \
    -e "s|.*INFO: invalid checksum '([^']+)'.*|$repo_host/backup/$stanza/\\1|p" | sort -u | tr '\n' ' ')
  [ -n "$files" ] || files=$(printf '%s\n' "$out" | sed -n '/^stanza:/,$p' | tr -s ' \n' ' ')
  FAIL_CODE=65 fail "the pgBackRest repository is damaged: ${files% }; nothing was changed"
}

# pitr_restore_into: the cluster as it was at target (the end of the archive when empty), restored by
# pgBackRest into the scratch directory <pgdata>/<side>/restore-<rstamp> of the db volume, then recovered
# and promoted by a server of its own (container <project>-db-restore-<rstamp>: no network, no archiving, no
# TimescaleDB jobs), its statistics printed (`stats-begin`, then the rows), its recovery settings removed, and
# the server stopped. The live database is not touched. On any failure the scratch directory goes.
pitr_restore_into() {
  local dir="$pgdata/$side/restore-$rstamp" out state target_args=(--type=default) i wal
  # A moment: promote once it is reached. The end of the archive (type default) promotes by itself.
  scratch_name="$project-db-restore-$rstamp"
  scratch_dir=$dir
  [ -z "$target" ] || target_args=(--type=time "--target=$target" --target-action=promote)
  ktrdr_event step volume
  docker volume inspect "$volume" >/dev/null 2>&1 || docker compose -f "$compose_path" create db >/dev/null 2>&1 ||
    fail "the db volume $volume does not exist and compose could not create it"
  db_image_of
  repo_verify
  on_exit scratch_gone
  side_run --volume mkdir -p -m 0700 "$dir" || fail "cannot create the scratch directory $dir in $volume"
  ktrdr_event step restore
  out=$(side_run --volume pgbackrest --stanza="$stanza" --pg1-path="$dir" "${target_args[@]}" \
    --archive-mode=off restore 2>&1) || pgbr_failed "pgBackRest's restore failed" "$out"
  ktrdr_event step recovery
  docker run -d --name "$scratch_name" --network none --user postgres -v "$volume:$pgdata" \
    -v "$mount:$shared_cpath" -v "$conf_host:$conf:ro" --entrypoint postgres "$image" -D "$dir" -p "$db_port" \
    -c archive_mode=off -c listen_addresses= -c timescaledb.max_background_workers=0 >/dev/null ||
    fail "cannot start the scratch server"
  for ((i = 0; ; i++)); do
    state=$(docker inspect -f '{{.State.Running}}' "$scratch_name" 2>/dev/null || echo false)
    [ "$state" = true ] || break
    out=$(scratch_psql postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)
    [ "$out" = f ] && break
    ((i % 20 == 19)) && ktrdr_event step "recovery ($((i / 2)) s)"
    sleep 0.5
  done
  if [ "$state" != true ]; then
    out=$(docker logs --tail 30 "$scratch_name" 2>&1 | grep -E 'FATAL|PANIC' | tail -n 2 | tr '\n' ' ' || true)
    case $out in
      *'before configured recovery target'*) FAIL_CODE=3 fail "the archive ends before $target: $out" ;;
      *) fail "the scratch server stopped during recovery: ${out:-see docker logs $scratch_name}" ;;
    esac
  fi
  ktrdr_event step statistics
  ktrdr_event stats-begin
  printf '%s\n' "$stats_sql" | scratch_psql "$database"
  # The new timeline's history file, and any segment of it the scratch server completed, are marked ready for
  # the archiver: the scratch server ran without archiving, so none of them would reach the repository, and a
  # later restore to the end of the archive would not see this timeline (it would follow the old one instead).
  wal=$(scratch_psql postgres -c 'SELECT pg_walfile_name(pg_current_wal_lsn())') ||
    fail "cannot read the scratch cluster's WAL position"
  printf '%s\n' 'ALTER SYSTEM RESET restore_command;' 'ALTER SYSTEM RESET recovery_target_time;' \
    'ALTER SYSTEM RESET recovery_target_action;' 'ALTER SYSTEM RESET recovery_target;' \
    'ALTER SYSTEM RESET archive_mode;' | scratch_psql postgres >/dev/null ||
    fail "cannot remove the recovery settings from the scratch cluster"
  docker stop -t 60 "$scratch_name" >/dev/null && docker rm "$scratch_name" >/dev/null ||
    fail "the scratch server did not stop"
  # shellcheck disable=SC2016 # the container's bash expands these
  side_run --volume bash -c 'cd "$1/pg_wal" && for f in "${2:0:8}.history" "${2:0:8}"????????????????; do
    [ -f "$f" ] && [[ $f == *.history || $f < $2 ]] || continue
    [ -e "archive_status/$f.done" ] || [ -e "archive_status/$f.ready" ] || : >"archive_status/$f.ready"
    done' _ "$dir" "$wal" || fail "cannot mark the new timeline's WAL for the archiver"
  scratch_kept=1
  ktrdr_event scratch "$dir"
}
scratch_psql() {
  local db=$1
  shift
  docker exec -i -u postgres "$scratch_name" psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$db_port" -U "$db_user" \
    -d "$db" "$@"
}
# scratch_gone: on exit, the scratch server goes; its directory too unless the restore finished (kept for
# the swap).
scratch_gone() {
  docker rm -f "$scratch_name" >/dev/null 2>&1 || true
  [ "${scratch_kept:-0}" = 1 ] || side_run --volume rm -rf "$scratch_dir" >/dev/null 2>&1 || true
}

# pitr_swap: the backend and the db stopped, the live cluster moved aside into <side>/replaced-<rstamp> (kept
# for make restore-cleanup) and the scratch cluster moved into its place: renames in one file system, with
# INT/TERM/HUP held off; then the db and the backend started again. `kept <dir>` when there was a cluster to
# keep; `swapped`.
pitr_swap() {
  local out
  db_image_of
  stop_backend
  ktrdr_event step stop-db
  docker compose -f "$compose_path" stop -t 60 db >/dev/null 2>&1 || fail "cannot stop the db"
  on_exit start_db
  ktrdr_event step swap
  trap '' INT TERM HUP
  # shellcheck disable=SC2016 # the container's bash expands these
  out=$(side_run --volume bash -c 'set -e; shopt -s dotglob nullglob; cd "$1"
    [ -s "$2/PG_VERSION" ] || { echo "::ktrdr failed the scratch cluster $2 is not there"; exit 3; }
    mkdir -p "$3"
    for e in *; do [ "$e" = "$4" ] || mv -- "$e" "$3/"; done
    mv -- "$2"/* .
    rmdir -- "$2"
    if rmdir -- "$3" 2>/dev/null; then echo "::ktrdr kept -"; else echo "::ktrdr kept $3"; fi' _ \
    "$pgdata" "$side/restore-$rstamp" "$side/replaced-$rstamp" "$side" 2>&1) || {
    trap 'exit 130' INT TERM HUP PIPE
    fail "the swap failed: ${out//$'\n'/ }"
  }
  trap 'exit 130' INT TERM HUP PIPE
  printf '%s\n' "$out" | grep '^::ktrdr kept' || true
  ktrdr_event swapped
}
start_db() {
  ktrdr_event step start-db
  if docker compose -f "$compose_path" up -d --no-deps --wait --wait-timeout 120 db >/dev/null 2>&1; then
    ktrdr_event db-started
  else
    ktrdr_event warn "the db did not become healthy again: see docker compose logs db, then make deploy-core"
  fi
}

# side_list: the clusters kept beside the live one in the db volume, `side <name> <bytes>` each (replaced-<stamp>,
# kept by a swap; restore-<stamp>, a scratch cluster whose restore stopped between its phases). Read-only.
side_list() {
  local out line
  docker volume inspect "$volume" >/dev/null 2>&1 || return 0
  # shellcheck disable=SC2016 # the container's bash expands these
  out=$(side_run --volume bash -c 'cd "$1" 2>/dev/null || exit 0
    for d in replaced-* restore-*; do [ -d "$d" ] && printf "%s %s\n" "$d" "$(du -sb "$d" | cut -f1)"; done; true' \
    _ "$pgdata/$side") || fail "cannot list $side in the db volume $volume"
  while IFS= read -r line; do [ -z "$line" ] || ktrdr_event side "$line"; done <<<"$out"
}

# side_drop: remove the kept clusters drop_names=() (each name checked again here), `dropped <name>` each.
side_drop() {
  local name re='^(replaced|restore)-[0-9]{8}t[0-9]{6}z$'
  ktrdr_event step drop
  for name in "${drop_names[@]}"; do
    [[ $name =~ $re ]] || fail "$name is not a cluster a restore kept: not removed"
  done
  # shellcheck disable=SC2016 # the container's bash expands these
  side_run --volume bash -c 'cd "$1" && shift && rm -rf -- "$@"' _ "$pgdata/$side" "${drop_names[@]}" ||
    fail "cannot remove ${drop_names[*]} from $side in the db volume $volume"
  for name in "${drop_names[@]}"; do ktrdr_event dropped "$name"; done
}
