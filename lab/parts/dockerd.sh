# Docker engines: one dockerd (with the containerd it starts) per host and one for the workstation, each in
# its own namespaces with its own data-root, exec-root, socket, iptables and image store. Inside the
# namespace the socket is at docker's default path (/run/docker.sock); DIR/docker.sock is the same engine for
# the lab's own use from outside. Started with nsenter: under `ip netns exec` (which remounts /sys) dockerd
# fails with "Devices cgroup isn't mounted". The engine reads /etc/resolv.conf and /etc/docker/certs.d of its
# own mount namespace: the lab's BIND for its containers and its pulls, and the lab CA for the registry.

# engine_start NAME DIR: start the engine unless it runs (returns at once; engine_wait waits for it).
engine_start() {
  local name=$1 dir=$2
  pid_alive "$dir/dockerd.pid" dockerd && return 0
  install -d -m 0710 "$dir/docker"
  log "engine $name: starting dockerd (log $dir/dockerd.log)"
  nsenter -t "$(<"$dir/anchor.pid")" -n -m -u -- setsid /usr/sbin/dockerd --pidfile "$dir/dockerd.pid" \
    -H unix:///run/docker.sock -H "unix://$dir/docker.sock" --data-root "$dir/docker" --exec-root /run/docker \
    --cgroup-parent "/ktrdr-lab-$LAB_ID-$name" </dev/null >>"$dir/dockerd.log" 2>&1 &
}

engine_answers() {
  timeout 10 docker -H "unix://$1/docker.sock" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

engine_wait() {
  wait_for 60 engine_answers "$2" && return 0
  tail -n 20 "$2/dockerd.log" >&2
  die "the engine of $1 did not answer within 60 s (see $2/dockerd.log)"
}

# engine_memory DIR: resident memory of the engine's dockerd and containerd, in MB.
engine_memory() {
  local pid kb=0 p
  pid=$(<"$1/dockerd.pid")
  for p in "$pid" $(pgrep -P "$pid" -x containerd); do
    kb=$((kb + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo $((kb / 1024))
}

engine_status() {
  local name=$1 dir=$2 v
  if pid_alive "$dir/dockerd.pid" dockerd &&
    v=$(docker -H "unix://$dir/docker.sock" version --format '{{.Server.Version}}' 2>/dev/null); then
    echo "up (dockerd $v, pid $(<"$dir/dockerd.pid"), $(engine_memory "$dir") MB)"
  else
    echo "down"
    return 1
  fi
}

# engine_down NAME DIR: remove every container (and the networks and volumes with them), stop the engine.
engine_down() {
  local name=$1 dir=$2 ids
  if pid_alive "$dir/dockerd.pid" dockerd; then
    ids=$(docker -H "unix://$dir/docker.sock" ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086 # one id per word
    [[ -z $ids ]] || docker -H "unix://$dir/docker.sock" rm -f -v $ids >/dev/null 2>&1 || true
    stop_pid "$dir/dockerd.pid" dockerd 20
  fi
  cgroups_down "$name"
}

# cgroups_down NAME: the cgroup parent the engine made in each controller, once its containers are gone.
cgroups_down() {
  local d
  for d in /sys/fs/cgroup/*/"ktrdr-lab-$LAB_ID-$1" /sys/fs/cgroup/"ktrdr-lab-$LAB_ID-$1"; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

compose_status() {
  local v
  if v=$(docker compose version --short 2>/dev/null); then
    echo "compose: v${v#v}"
  else
    echo "compose: missing (run lab/install-engines.sh)"
    return 1
  fi
}
