# A change of the db image's pin, around a deploy of the db (lib/db-pin/run.ts). Before: the data directory's
# PostgreSQL major version against the new image's; after: the TimescaleDB extension updated where the new
# image carries a newer one. After lib/backup/backup.sh (db_container, psql_in). Variables, bound by
# lib/db-pin/run.ts: project compose_path volume db_user; for the check: new_image new_major.
# shellcheck disable=SC2154 # the variables are bound by lib/db-pin/run.ts (bind) ahead of this file

# db_pin_check: `db-pin <the db container's image, or -> <the data directory's PG_VERSION, or ->`; a data
# directory of another PostgreSQL major than new_major is refused (exit 2): the server cannot open it.
db_pin_check() {
  local image ver=- mp
  ktrdr_event step db-pin
  db_image_of
  if mp=$(docker volume inspect -f '{{.Mountpoint}}' "$volume" 2>/dev/null) && [ -s "$mp/PG_VERSION" ]; then
    ver=$(head -c 16 "$mp/PG_VERSION" | tr -dc '0-9')
  fi
  ktrdr_event db-pin "${image:--} ${ver:--}"
  if [ "${ver:--}" != - ] && [ -n "$new_major" ] && [ "$ver" != "$new_major" ]; then
    FAIL_CODE=2 fail "$new_image is PostgreSQL $new_major, and the data directory in $volume is PostgreSQL $ver:" \
      "it cannot open it. A major version change takes the dump-and-restore path (docs/runbook.md, \"A new" \
      "PostgreSQL major version\"): make backup, deploy the new pin on a new volume, make restore FILE=<that dump>." \
      "Nothing was changed"
  fi
}

# tsdb_update: in every database (template1 too) with TimescaleDB older than the image's, ALTER EXTENSION
# timescaledb UPDATE (its own session, first statement, as TimescaleDB asks); `tsdb <database> <installed> <now>`
# for each.
tsdb_update() {
  local db dbs=() row from to
  ktrdr_event step timescaledb
  mapfile -t dbs < <(psql_in postgres -A -t -c 'SELECT datname FROM pg_database WHERE datallowconn' </dev/null)
  [ "${#dbs[@]}" -gt 0 ] || fail "cannot list the databases"
  for db in "${dbs[@]}"; do
    [ -n "$db" ] || continue
    row=$(psql_in "$db" -A -t -c "SELECT e.extversion || ' ' || a.default_version FROM pg_extension e JOIN \
pg_available_extensions a ON a.name = e.extname WHERE e.extname = 'timescaledb'" </dev/null) ||
      fail "cannot read the TimescaleDB version of $db"
    [ -n "$row" ] || continue
    from=${row% *} to=${row#* }
    if [ "$from" != "$to" ]; then
      psql_in "$db" -c 'ALTER EXTENSION timescaledb UPDATE' </dev/null >/dev/null ||
        fail "ALTER EXTENSION timescaledb UPDATE failed in $db ($from → $to)"
    fi
    ktrdr_event tsdb "$db $from $to"
  done
}
