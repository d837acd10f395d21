# Shared settings and helpers for the lab parts. Sourced by lab.sh, never run on its own.
LAB_DIR=${KTRDR_LAB_DIR:-/var/lib/ktrdr-lab}
CACHE_DIR=${KTRDR_LAB_CACHE:-/var/cache/ktrdr-lab}
LAB_MARKER="$LAB_DIR/.ktrdr-lab"
DEBIAN_URI=${KTRDR_LAB_DEBIAN_URI:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
DEBIAN_URI=${DEBIAN_URI:-http://deb.debian.org/debian}

# The default hosts; add-host may register more (their dirs under $LAB_DIR/hosts persist until down).
DEFAULT_HOSTS=("ktrdr-core 127.0.0.10" "ktrdr-workers-b 127.0.0.11" "ktrdr-workers-c 127.0.0.12")
RESERVED_HOST="ktrdr-workers-d 127.0.0.13"

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# pid_alive PIDFILE COMM: true when the pid in PIDFILE runs a process whose comm is COMM.
# Checking comm guards against killing an unrelated process that reused the pid.
pid_alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  # A killed process whose parent has not reaped it yet (a zombie) still has its comm: not alive.
  local state
  state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  [[ -n $state && $state != Z && $state != X ]]
}

# stop_pid PIDFILE COMM: TERM the process, wait up to 10 s, then KILL. No-op when not running.
stop_pid() {
  pid_alive "$1" "$2" || return 0
  local pid i
  pid=$(<"$1")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$1" "$2" || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

# random_alnum N: N random characters from [A-Za-z0-9] (N <= 40).
random_alnum() { openssl rand -base64 60 | tr -dc 'A-Za-z0-9' | cut -c "1-$1"; }

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_lab_dir() {
  if [[ ! -d $LAB_DIR ]]; then
    install -d -m 0755 "$LAB_DIR"
    date -u +%FT%TZ >"$LAB_MARKER"
  fi
  [[ -e $LAB_MARKER ]] || die "$LAB_DIR exists but is not a lab dir (no .ktrdr-lab marker); set KTRDR_LAB_DIR"
}
