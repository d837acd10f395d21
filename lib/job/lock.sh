# One lock per host and scope for every job (lib/job/lock.ts has the table of which job takes which):
# flock(1) on /run/lock/ktrdr/<scope>.lock, exclusive (x) or shared (s). The kernel drops it when the job's
# shell exits however it exits — SIGKILL, a lost connection, a reboot — so a lock is never stale: held means
# a job is running. Each holder leaves an owner line (<scope>.owner.<pid>) that a refused job quotes.

# ktrdr_lock SCOPE x|s OWNER [WAIT]: take the lock (waiting up to WAIT seconds, default 0) or exit 75 (busy)
# with a `locked` event naming every holder. With ktrdr_force_unlock=1 a holder is stopped first (TERM, its
# cleanups run), and a `warn` event says so.
ktrdr_lock() {
  local scope=$1 mode=$2 owner=$3 wait=${4:-0} dir=/run/lock/ktrdr fd i
  ktrdr_event step lock
  [[ $scope =~ ^[a-z0-9][a-z0-9-]*$ ]] || fail "internal: not a lock scope: $scope"
  mkdir -p "$dir"
  exec {fd}>>"$dir/$scope.lock"
  if ! flock -w "$wait" "-$mode" "$fd"; then
    if [ "${ktrdr_force_unlock:-0}" = 1 ]; then
      ktrdr_event step force-unlock
      ktrdr_event warn "stopping the job that held $scope: $(ktrdr_lock_holders "$scope")"
      ktrdr_lock_stop "$scope"
      for ((i = 0; i < 150; i++)); do flock -n "-$mode" "$fd" && break; sleep 0.1; done
    fi
    if ! flock -n "-$mode" "$fd"; then
      ktrdr_event locked "$(ktrdr_lock_holders "$scope")"
      exit 75
    fi
  fi
  printf '%s\n' "$owner" >"$dir/$scope.owner.$$"
  on_exit "rm -f $dir/$scope.owner.$$"
}

# ktrdr_lock_holders SCOPE: the owner lines of the processes that hold it now ("unknown" if none says).
ktrdr_lock_holders() {
  local f pid out=()
  for f in /run/lock/ktrdr/"$1".owner.*; do
    [ -f "$f" ] || continue
    pid=${f##*.}
    if [ -d "/proc/$pid" ]; then out+=("$(<"$f")"); else rm -f "$f"; fi
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
    [ "$pid" != $$ ] || continue
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
}
