# The backup area's jobs on the core host: the backups directory, the running db container and the stoppable
# jobs inside it, one backup (pg_dump -Fc inside the container, straight into the shared backups directory),
# the listing, the deletion of pruned backups. Variables, bound by lib/backup/job.ts: dir cdir mount project
# db_user; for a dump: base kind database host dump_file roles_file manifest_file partial compression
# manifest_format checksum_algorithm stats_sql; for a deletion: doomed=() (base names).
# shellcheck disable=SC2154 # the variables are bound by lib/backup/job.ts (bind) ahead of this file

# backups_dir: the shared mount must be a mount (lib/job/mount.sh), files private to root.
backups_dir() {
  umask 077
  ktrdr_require_mount "$mount"
}

# TimescaleDB's own pg_dump noise (its catalog has circular foreign keys): not a problem, never shown.
dump_noise() {
  grep -v -e 'circular foreign-key constraints' -e '^pg_dump: detail: \(hypertable\|chunk\|continuous_agg\)$' \
    -e 'You might not be able to restore the dump without' -e 'Consider using a full dump instead' || true
}

# dump_failed RC LOG: pg_dump's end in the operator's words. The container's bash reports a killed child as
# "<job name>: line 1: <pid> Killed "$@"": that line is ours, not pg_dump's, and is said plainly instead.
dump_failed() {
  local err
  err=$(dump_noise <"$2" | grep -v -e '^[0-9a-z-]*: line [0-9]*: *[0-9]* \(Killed\|Terminated\)' | tail -n 3 |
    tr '\n' ' ' || true)
  case $1 in
    137) fail "pg_dump failed: it was killed (SIGKILL: the kernel's out-of-memory killer, or a kill -9)" "$err" ;;
    143) fail "pg_dump failed: it was stopped (SIGTERM)" "$err" ;;
    *) fail "pg_dump failed: ${err:-exit $1, no message}" ;;
  esac
}

# db_container: cid = the running db container of the core project, found by the labels compose puts on it
# (one `docker ps`, a fifth of `docker compose ps`); dx runs in it; `job NAME CMD…` runs CMD in its own
# session in it, which killjobs (on exit) ends: `docker exec` does not forward signals, so after a Ctrl-C
# pg_dump or pg_restore would otherwise carry on inside the container.
db_container() {
  ktrdr_event step container
  cid=$(db_running_id)
  [ -n "$cid" ] || fail "the db container is not running ($compose_path, service db): start it with" \
    "make deploy-core SERVICE=db, or run make recover-core"
  run_id="$$-$RANDOM"
  on_exit killjobs
}
dx() { docker exec -i "$cid" "$@"; }
# db_running_id: the core project's running db container ("" when none runs).
db_running_id() { db_container_id --filter status=running; }
# db_container_id [FILTER…]: the core project's db container, running or not ("" when there is none).
db_container_id() {
  docker ps -aq --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=db \
    --filter label=com.docker.compose.oneoff=False "$@" 2>/dev/null | head -n 1 || true
}
# db_image_of: image = the image the db container was created from (its exact digest), else db_image (the pin).
db_image_of() {
  local c
  c=$(db_container_id)
  image=""
  [ -z "$c" ] || image=$(docker inspect -f '{{.Config.Image}}' "$c" 2>/dev/null || true)
  image=${image:-${db_image:-}}
}
# sha256_of FILE: its sha256 in hex. OpenSSL's where the host has it: it uses the CPU's SHA instructions, which
# coreutils 9.1's sha256sum (Debian 12's) does not — a 244 MB dump in 0.17 s instead of 0.49 s here.
sha256_of() {
  local out
  if command -v openssl >/dev/null 2>&1; then
    # An OpenSSL that fails (a FIPS build without SHA-256 in its default provider, a broken install): coreutils.
    out=$(openssl dgst -sha256 -r <"$1" 2>/dev/null) || out=$(sha256sum <"$1") || return 1
  else
    out=$(sha256sum <"$1") || return 1
  fi
  [[ ${out%% *} =~ ^[0-9a-f]{64}$ ]] || return 1
  printf '%s\n' "${out%% *}"
}
job() { job_as root "$@"; }
# job_as USER NAME CMD…: job, as USER of the container.
# shellcheck disable=SC2016 # $0, $$ and $@ belong to the container's bash
job_as() {
  local u=$1 n=$2
  shift 2
  docker exec -i -u "$u" "$cid" setsid -w \
    bash -c 'echo $$ > "/tmp/ktrdr-job-$0.pid"; "$@"; rc=$?; rm -f "/tmp/ktrdr-job-$0.pid"; exit $rc' \
    "$run_id-$n" "$@"
}
# shellcheck disable=SC2016 # as above
killjobs() {
  local kill_all='for f in /tmp/ktrdr-job-"$0"-*.pid; do [ -f "$f" ] || continue; '
  kill_all+='kill -TERM -- "-$(cat "$f")" 2>/dev/null; rm -f "$f"; done'
  docker exec "$cid" bash -c "$kill_all" "$run_id" 2>/dev/null || true
}
# Long steps run in the background and are waited for: bash then acts on TERM at once (a foreground child
# would have to finish first).
bg() {
  "$@" &
  wait $!
}
# psql_in DB [ARG…]: psql inside the container as the configured user: -X (no psqlrc), stop at the first error.
psql_in() {
  local db=$1
  shift
  dx psql -X -q -v ON_ERROR_STOP=1 -U "$db_user" -d "$db" "$@"
}

# dump: one backup under a .partial- name, then, concurrently, its full read, sha256 and fsync; then rename →
# fsync dir → manifest (temp, fsync, rename) last. The row counts and checksums are taken in the same snapshot
# as the dump (a psql session that exports it). Ends with `backup <base> <size> <sha256>`.
dump() {
  local p="$dir/$partial$base" cp="$cdir/$partial$base" log psql_log started snap at line err
  local dump_pid roles_pid sum_pid sync_pid sums dump_sha roles_sha dump_size roles_size tables sin sout
  local stats=()
  mkdir -p "$dir" || fail "cannot create the backups directory $dir"
  rm -f "$dir/$partial"* 2>/dev/null || true # what a run that died left (we hold the lock)
  on_exit "rm -f $(printf '%q' "$p").*"
  # Renamed but no manifest yet (killed in between): not a backup, so not left looking like one.
  on_exit "[ -f $(printf '%q' "$dir/$manifest_file") ] || rm -f $(printf '%q %q' "$dir/$dump_file" "$dir/$roles_file")"
  # Logs live outside the backups directory: on a full disk they are what says why.
  log=$(mktemp /tmp/ktrdr-backup-log.XXXXXX) && psql_log=$(mktemp /tmp/ktrdr-backup-log.XXXXXX)
  on_exit "rm -f $log $log.roles $psql_log"
  started=$SECONDS
  ktrdr_event step snapshot
  coproc SNAP { dx psql -X -q -A -t -v ON_ERROR_STOP=1 -U "$db_user" -d "$database" 2>"$psql_log"; }
  # Own copies of the coproc's pipes (bash drops SNAP[] when it ends); close the originals so psql sees EOF.
  exec {sin}>&"${SNAP[1]}" {sout}<&"${SNAP[0]}"
  eval "exec ${SNAP[1]}>&- ${SNAP[0]}<&-"
  # No parallel workers for the statistics: pg_dump and its server process need the cores meanwhile.
  printf '%s\n' 'SET max_parallel_workers_per_gather = 0;' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' \
    'SELECT pg_export_snapshot();' >&"$sin"
  snap=""
  read -r -t 120 snap <&"$sout" || true
  [[ $snap =~ ^[0-9A-F]+-[0-9A-F]+-[0-9]+$ ]] ||
    fail "cannot open a snapshot of database $database:" "$(tail -n 1 "$psql_log")"
  at=$taken_at
  ktrdr_event step dump
  job dump pg_dump -Fc -Z "$compression" -U "$db_user" -d "$database" --snapshot="$snap" -f "$cp.dump" 2>"$log" &
  dump_pid=$!
  # The roles (not part of any snapshot) meanwhile: a small file, its own log.
  dx pg_dumpall --globals-only --no-role-passwords -U "$db_user" -f "$cp.roles.sql" 2>"$log.roles" &
  roles_pid=$!
  ktrdr_event step statistics
  printf '%s\n' "$stats_sql" >&"$sin"
  line=""
  while IFS= read -r line <&"$sout"; do
    [ "$line" = ::end ] && break
    stats+=("$line")
  done
  [ "$line" = ::end ] || {
    wait $dump_pid 2>/dev/null
    fail "the statistics query failed: $(tail -n 1 "$psql_log")"
  }
  wait $dump_pid || dump_failed $? "$log"
  printf 'COMMIT;\n' >&"$sin"
  exec {sin}>&-
  wait "$SNAP_PID" 2>/dev/null || true
  ktrdr_event step roles
  wait $roles_pid || fail "pg_dumpall --globals-only failed: $(tail -n 1 "$log.roles")"
  # Three reads of the file just written, at once (two cores): the full read (every entry decoded), the
  # checksums, the fsync. Each must succeed; all must end before the rename.
  ktrdr_event step verify
  sums=$(mktemp /tmp/ktrdr-backup-sum.XXXXXX)
  on_exit "rm -f $sums"
  { sha256_of "$p.dump" && sha256_of "$p.roles.sql"; } >"$sums" 2>>"$log" &
  sum_pid=$!
  chmod 0600 "$p.dump" "$p.roles.sql" && sync "$p.dump" "$p.roles.sql" 2>>"$log" &
  sync_pid=$!
  bg job verify pg_restore -f /dev/null "$cp.dump" 2>>"$log" ||
    fail "the dump does not read back in full (pg_restore -f /dev/null): $(tail -n 1 "$log")"
  wait $sum_pid || fail "cannot read the dump back for its checksum"
  wait $sync_pid || fail "fsync of the dump failed: $(tail -n 1 "$log")"
  { read -r dump_sha && read -r roles_sha; } <"$sums" || fail "cannot read the dump back for its checksum"
  dump_size=$(stat -c %s "$p.dump")
  roles_size=$(stat -c %s "$p.roles.sql")
  mv -T "$p.dump" "$dir/$dump_file" && mv -T "$p.roles.sql" "$dir/$roles_file" && sync "$dir" ||
    fail "rename into place failed"
  ktrdr_event step manifest
  tables=$(
    IFS=,
    printf '%s' "${stats[*]:2}"
  )
  {
    printf '{"format":"%s","kind":"%s","time":"%s","host":"%s","server":%s,"hypertables":%s,"tables":[%s],' \
      "$manifest_format" "$kind" "$at" "$host" "${stats[0]}" "${stats[1]}" "$tables" &&
      printf '"checksum_algorithm":"%s","dump":{"file":"%s","size":%s,"sha256":"%s","format":"custom",' \
        "$checksum_algorithm" "$dump_file" "$dump_size" "$dump_sha" &&
      printf '"compression":"%s"},"roles":{"file":"%s","size":%s,"sha256":"%s"},"duration_s":%s}\n' \
        "$compression" "$roles_file" "$roles_size" "$roles_sha" "$((SECONDS - started))"
  } >"$p.manifest.json" || fail "cannot write the manifest (disk full?)"
  sync "$p.manifest.json" && mv -T "$p.manifest.json" "$dir/$manifest_file" && sync "$dir" ||
    fail "cannot put the manifest in place"
  ktrdr_event backup "$base $dump_size $dump_sha"
}

# inventory: every file of the backups directory and every manifest, as events (builtins only: read -N, at
# most 1 MB of each — no process per manifest, however many backups there are).
inventory() {
  local m text
  [ -d "$dir" ] || {
    ktrdr_event no-dir
    return 0
  }
  find "$dir" -maxdepth 1 -type f ! -name ".*" -printf "::ktrdr file %s %f\n"
  for m in "$dir"/*.manifest.json; do
    [ -f "$m" ] || continue
    text=
    IFS= read -r -N 1000000 text <"$m" || true
    printf '::ktrdr manifest %s %s\n' "${m##*/}" "${text//$'\n'/}"
  done
  # The restore drills' results (drill_record), newest last: one JSON line each.
  if [ -f "$dir/.drills.log" ]; then sed 's/^/::ktrdr drill /' "$dir/.drills.log"; fi
}

# drill_record: append drill_line (one JSON line: time, file, result, detail) to the drill log beside the
# backups, a hidden file no listing or prune takes for a backup.
drill_record() {
  printf '%s\n' "$drill_line" >>"$dir/.drills.log"
}

# timer_state: whether the daily backup timer is installed and enabled here, and when it last ran (systemd's
# word, or unknown without systemd): one `timer <installed|absent> <enabled|disabled> <last run…>` event.
timer_state() {
  local units=/etc/systemd/system installed=absent enabled=disabled last=unknown
  if [ -f "$units/ktrdr-backup.timer" ]; then installed=installed; fi
  if [ -e "$units/timers.target.wants/ktrdr-backup.timer" ]; then enabled=enabled; fi
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    last=$(systemctl show -P LastTriggerUSec ktrdr-backup.timer 2>/dev/null || true)
    last=${last:-never}
  fi
  ktrdr_event timer "$installed" "$enabled" "$last"
}

# sums: the sha256 each of files=() in the backups directory has now, one `sha256 <file> <hex>` event each
# (`unreadable` when it cannot be read): backup-status checks the newest backups against their manifests.
sums() {
  local f s
  for f in "${files[@]}"; do
    s=$(sha256_of "$dir/$f" 2>/dev/null) || s=unreadable
    ktrdr_event sha256 "$f" "$s"
  done
}

# delete_backups: each doomed backup's manifest first (a half-deleted backup never looks verified), then its files.
delete_backups() {
  local b
  for b in "${doomed[@]}"; do
    rm -f "$dir/$b.manifest.json" && sync "$dir" && rm -f "$dir/$b.dump" "$dir/$b.roles.sql" && ktrdr_event deleted "$b"
  done
  sync "$dir"
}
