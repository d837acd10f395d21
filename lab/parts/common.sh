# Shared settings and helpers for the lab parts. Sourced by lab.sh, never run on its own.
LAB_DIR=${KTRDR_LAB_DIR:-/var/lib/ktrdr-lab}
CACHE_DIR=${KTRDR_LAB_CACHE:-/var/cache/ktrdr-lab}
LAB_MARKER="$LAB_DIR/.ktrdr-lab"
LAB_CONFIG=${KTRDR_LAB_CONFIG:-$LAB_ROOT/config}
DEBIAN_URI=${KTRDR_LAB_DEBIAN_URI:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
DEBIAN_URI=${DEBIAN_URI:-http://deb.debian.org/debian}
# The cgroups of this lab's containers: one parent per engine, named for this lab dir (two labs can run at once).
LAB_ID=$(printf '%s' "$LAB_DIR" | sha256sum | cut -c1-8)

# The lab's network: 198.18.50.0/24, from the range RFC 2544 sets aside for tests, used only inside the
# namespaces the lab creates. No namespace has a route anywhere else; this machine's own namespace has no
# address on it. NET_NS is the switch (bridge br0); INFRA_ADDR, on the bridge, serves BIND, the registry and
# its token service ("the internet" of the lab); WS is the operator's workstation.
NET_PREFIX=198.18.50
NET_NS=ktrdr-lab
INFRA_ADDR=$NET_PREFIX.1
WS_NAME=ktrdr-ws
WS_ADDR=$NET_PREFIX.2
WS_DIR="$LAB_DIR/ws"
HOSTS_DIR="$LAB_DIR/hosts"
RESERVED_NAMES=" $NET_NS $WS_NAME registry ns "

# The default hosts; add-host may register more (their dirs under $HOSTS_DIR persist until down).
DEFAULT_HOSTS=("ktrdr-core $NET_PREFIX.10" "ktrdr-workers-b $NET_PREFIX.11" "ktrdr-workers-c $NET_PREFIX.12")
RESERVED_HOST="ktrdr-workers-d $NET_PREFIX.13"

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
  printf 'lab: error: %s\n' "$*" >&2
  exit 1
}

# config_value FILE KEY-PATH: a plain scalar from lab/config (a.b.c), comments and quotes stripped. The lab
# reads the few values it must agree on with the product (zone, shared paths, the images it pins) from there.
config_value() {
  awk -v want="$2" '
    /^[[:space:]]*(#|$)/ { next }
    {
      match($0, /^ */); depth = RLENGTH / 2
      line = substr($0, RLENGTH + 1); sub(/[[:space:]]+#.*$/, "", line)
      key = line; sub(/:.*/, "", key); val = line; sub(/^[^:]*:[[:space:]]*/, "", val)
      path[depth] = key; for (i = depth + 1; i < 10; i++) delete path[i]
      p = path[0]; for (i = 1; i <= depth; i++) p = p "." path[i]
      if (p == want) { gsub(/^["'\'']|["'\'']$/, "", val); print val; exit }
    }' "$LAB_CONFIG/$1"
}

ZONE=$(config_value stack-config.yml dns.zone)
ZONE=${ZONE:-internal}
REGISTRY_NAME=registry.$ZONE
SHARED_HOST_PATH=$(config_value stack-config.yml shared.host_path)
SHARED_EXPORT_PATH=$(config_value stack-config.yml shared.export_path)
CORE_HOST=$(config_value stack-config.yml core.host)

# pid_alive PIDFILE COMM: true when the pid in PIDFILE runs a process whose comm is COMM.
# Checking comm guards against killing an unrelated process that reused the pid.
pid_alive() {
  local pid state
  # The process may remove its pid file as it exits (sshd does), between the test and the read: not alive.
  pid=$(cat -- "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  # A killed process whose parent has not reaped it yet (a zombie) still has its comm: not alive.
  state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  [[ -n $state && $state != Z && $state != X ]]
}

# stop_pid PIDFILE COMM [SECONDS]: TERM the process, wait (default 10 s), then KILL. No-op when not running.
stop_pid() {
  pid_alive "$1" "$2" || return 0
  local pid i
  pid=$(<"$1")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < ${3:-10} * 10; i++)); do
    pid_alive "$1" "$2" || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

# random_alnum N: N random characters from [A-Za-z0-9] (N <= 40).
random_alnum() { openssl rand -base64 60 | tr -dc 'A-Za-z0-9' | cut -c "1-$1"; }

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; false when the time is up.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

ensure_lab_dir() {
  case $LAB_DIR/ in
    /tmp/* | /run/* | /opt/* | /root/* | /mnt/* | /srv/* | /etc/* | /dev/*)
      die "KTRDR_LAB_DIR=$LAB_DIR is under a directory each lab host gets its own copy of;" \
        "pick another (e.g. /var/tmp/…)"
      ;;
  esac
  if [[ ! -d $LAB_DIR ]]; then
    install -d -m 0755 "$LAB_DIR"
    date -u +%FT%TZ >"$LAB_MARKER"
  fi
  [[ -e $LAB_MARKER ]] || die "$LAB_DIR exists but is not a lab dir (no .ktrdr-lab marker); set KTRDR_LAB_DIR"
}

# The lab is made from the namespaces `up` ran in ("home", held by a sleep whose pid is home.pid). lab.sh run
# from anywhere else (a test inside the workstation) re-enters home first, so that what it makes and removes
# is the same set of namespaces and mounts whoever calls it.
home_up() {
  pid_alive "$LAB_DIR/home.pid" sleep && return 0
  setsid sleep infinity </dev/null >/dev/null 2>&1 &
  echo $! >"$LAB_DIR/home.pid"
}

reenter_home() {
  local home
  pid_alive "$LAB_DIR/home.pid" sleep || return 0
  home=$(<"$LAB_DIR/home.pid")
  [[ $(readlink /proc/self/ns/mnt) == "$(readlink "/proc/$home/ns/mnt")" &&
    $(readlink /proc/self/ns/net) == "$(readlink "/proc/$home/ns/net")" ]] && return 0
  exec nsenter -t "$home" -m -n -u --wd="$PWD" -- bash "$LAB_ROOT/lab.sh" "$@"
}

# in_ns DIR CMD...: run CMD in the namespaces of the lab host (or workstation) whose dir is DIR, with the
# environment a root shell there has (its own HOME, docker socket and config), not the caller's.
in_ns() {
  local dir=$1
  shift
  nsenter -t "$(<"$dir/anchor.pid")" -n -m -u -- \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# in_ws CMD...: run CMD on the workstation (the lab's resolver, its CA, its engine).
in_ws() { in_ns "$WS_DIR" "$@"; }
