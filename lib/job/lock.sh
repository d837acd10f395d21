# One lock per host and scope for every job (lib/job/lock.ts has the table of which job takes which):
# flock(1) on /run/lock/ktrdr/<scope>.lock, exclusive (x) or shared (s). The kernel drops a flock when the last
# descriptor of it closes: the job's shell exiting however it exits (SIGKILL, a lost connection, a reboot)
# drops its own; a child the shell started in the background still holds it until it ends, which is why the
# jobs' background steps are waited for or stopped by their cleanups. Each holder leaves an owner line
# (<scope>.owner.<pid>: the owner, then the process's start time, so a pid reused by another process is never
# taken for the holder) that a refused job quotes.

# ktrdr_lock SCOPE x|s OWNER [WAIT]: take the lock (waiting up to WAIT seconds, default 0) or exit 75 (busy)
# with a `locked` event naming every holder. With ktrdr_force_unlock=1 a holder is stopped first (TERM, its
# cleanups run), and a `warn` event says so.
ktrdr_lock() {
  local scope=$1 mode=$2 owner=$3 wait=${4:-0} dir=/run/lock/ktrdr fd i rc=0
  ktrdr_event step lock
  [[ $scope =~ ^[a-z0-9][a-z0-9_-]*$ ]] || fail "internal: not a lock scope: $scope"
  command -v flock >/dev/null || fail 'flock is not installed on this host (apt install util-linux)'
  [ -d "$dir" ] || mkdir -m 0755 "$dir"
  exec {fd}>>"$dir/$scope.lock"
  # -E 75: a lock held is told apart from flock failing for any other reason (which is no "held by").
  flock -E 75 -w "$wait" "-$mode" "$fd" || rc=$?
  if [ "$rc" = 75 ] && [ "${ktrdr_force_unlock:-0}" = 1 ]; then
    ktrdr_event step force-unlock
    ktrdr_event warn "stopping the job that held $scope: $(ktrdr_lock_holders "$scope")"
    ktrdr_lock_stop "$scope"
    for ((i = 0; i < 150; i++)); do
      rc=0
      flock -E 75 -n "-$mode" "$fd" || rc=$?
      [ "$rc" = 75 ] || break
      sleep 0.1
    done
  fi
  if [ "$rc" = 75 ]; then
    ktrdr_event locked "$(ktrdr_lock_holders "$scope")"
    exit 75
  fi
  [ "$rc" = 0 ] || fail "flock on $dir/$scope.lock failed (exit $rc)"
  printf '%s\n%s\n' "$owner" "$(ktrdr_start_time $$)" >"$dir/$scope.owner.$$"
  on_exit "rm -f $dir/$scope.owner.$$"
}

# ktrdr_start_time PID: the process's start time (field 22 of /proc/PID/stat, after the command's closing
# parenthesis), empty when there is no such process or it has ended (a zombie holds no descriptor, so no lock).
ktrdr_start_time() {
  local stat
  { IFS= read -r -d '' stat || true; } 2>/dev/null <"/proc/$1/stat" || return 0
  stat=${stat##*) }
  read -r -a stat <<<"$stat"
  case ${stat[0]} in Z | X) return 0 ;; esac
  printf '%s' "${stat[19]}"
}

# ktrdr_lock_owner FILE: true when the owner file's process still runs (same pid, same start time).
ktrdr_lock_owner() {
  local pid=${1##*.} started
  { IFS= read -r _ && IFS= read -r started; } <"$1" 2>/dev/null || return 1
  [ -n "$started" ] && [ "$(ktrdr_start_time "$pid")" = "$started" ]
}

# ktrdr_lock_holders SCOPE: the owner lines of the processes that hold it now ("unknown" if none says).
ktrdr_lock_holders() {
  local f out=()
  for f in /run/lock/ktrdr/"$1".owner.*; do
    [ -f "$f" ] || continue
    if ktrdr_lock_owner "$f"; then out+=("$(head -n 1 "$f")"); else rm -f "$f"; fi
  done
  local IFS=';'
  printf '%s' "${out[*]:-unknown}"
}

# ktrdr_lock_stop SCOPE: TERM each live holder of the scope (FORCE_UNLOCK: a job that hangs) — its process group
# when it leads one (a job's shell under sshd does), so the children that hold the lock's descriptor go too.
ktrdr_lock_stop() {
  local f pid
  for f in /run/lock/ktrdr/"$1".owner.*; do
    [ -f "$f" ] || continue
    pid=${f##*.}
    if [ "$pid" = $$ ] || ! ktrdr_lock_owner "$f"; then continue; fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
}

# ktrdr_lock_report: a `held` event per live holder of every lock on this host: scope, pid, owner line. A lock
# is held exactly while its holder runs (flock), and each holder's owner file names it (stale ones are dropped
# here as in ktrdr_lock_holders). Nothing is taken or probed: a report never makes a real job's lock fail.
ktrdr_lock_report() {
  local f rest scope pid
  ktrdr_event step locks
  for f in /run/lock/ktrdr/*.owner.*; do
    [ -f "$f" ] || continue
    rest=${f##*/}
    scope=${rest%.owner.*} pid=${rest##*.}
    if ktrdr_lock_owner "$f"; then ktrdr_event held "$scope $pid $(head -n 1 "$f")"; else rm -f "$f"; fi
  done
}

# ktrdr_unlock SCOPE AUDIT_FILE OPERATOR: stop the job that holds SCOPE (TERM to its process group: its cleanups
# run, a deploy puts its previous release back), wait up to 30 s for it to end, and append an audit line. An
# `unlocked` event names what was stopped; `unlock-none` says nothing held it.
ktrdr_unlock() {
  local scope=$1 audit_file=$2 who=$3 holders now i
  ktrdr_event step unlock
  [[ $scope =~ ^[a-z0-9][a-z0-9_-]*$ ]] || fail "internal: not a lock scope: $scope"
  holders=$(ktrdr_lock_holders "$scope")
  if [ "$holders" = unknown ]; then
    ktrdr_event unlock-none "$scope"
    return 0
  fi
  ktrdr_lock_stop "$scope"
  for ((i = 0; i < 300; i++)); do
    [ "$(ktrdr_lock_holders "$scope")" != unknown ] || break
    sleep 0.1
  done
  [ "$(ktrdr_lock_holders "$scope")" = unknown ] ||
    fail "the job holding $scope did not end within 30 s of TERM: $holders (kill -KILL it by its pid)"
  TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
  [ -d "${audit_file%/*}" ] || mkdir -p "${audit_file%/*}"
  printf '%s operator=%s unlock scope=%s stopped=%s\n' "$now" "$who" "$scope" "$holders" >>"$audit_file"
  ktrdr_event unlocked "$scope $holders"
}
