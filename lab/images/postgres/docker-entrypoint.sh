#!/bin/bash
# Entrypoint of ktrdr-lab/postgres: the official postgres/timescaledb image contract on Debian's
# packages. First start: initdb (password via a --pwfile made here and removed at once), the
# timescaledb extension in template1 and POSTGRES_DB, /docker-entrypoint-initdb.d/*.sql|*.sh.
# Then postgres runs as the postgres user, listening on ${PGPORT:-5432} on all addresses.
set -euo pipefail
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGPORT=${PGPORT:-5432} # postgres, pg_ctl and psql all read it
if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi
[[ ${1:-} == postgres ]] || exec "$@"

if [[ $(id -u) == 0 ]]; then
  install -d -o postgres -g postgres -m 0700 "$PGDATA"
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp) # mode 0600, inside the container
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth=trust --encoding=UTF8 --locale=C.UTF-8
  rm -f "$pwfile"
  cat >>"$PGDATA/postgresql.conf" <<'EOF'

# ktrdr-lab
listen_addresses = '*'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
EOF
  # Like the official image: trust on the socket and loopback inside the container, scram elsewhere.
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user")
  "${psql[@]}" --dbname template1 <<<'CREATE EXTENSION IF NOT EXISTS timescaledb;'
  if [[ $db != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="$db" <<<'CREATE DATABASE :"db";'
  fi
  "${psql[@]}" --dbname "$db" <<<'CREATE EXTENSION IF NOT EXISTS timescaledb;'
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh) echo "running $f" && . "$f" ;;
      *.sql) echo "running $f" && "${psql[@]}" --dbname "$db" -f "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "ktrdr-lab/postgres: init complete"
fi

shift
# The server never needs the password after initdb, and must not hold it: PostgreSQL writes its process
# titles ("postgres: autovacuum worker") over its argv and environment, so /proc/<pid>/cmdline — what `ps`
# shows — can end in the tail of an environment string (seen here: "…worker S_PASSWORD=<the password>").
unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
exec postgres "$@"
