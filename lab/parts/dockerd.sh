# dockerd: reuse a running engine, else start Debian's dockerd with pid and log in $LAB_DIR.
# $LAB_DIR/dockerd.mode records "reused" or "lab-started"; down stops only a lab-started engine.

dockerd_up() {
  if pid_alive "$LAB_DIR/dockerd.pid" dockerd && docker_answers; then
    return 0
  fi
  if docker_answers; then
    echo reused >"$LAB_DIR/dockerd.mode"
    log "dockerd: reusing the running engine"
    return 0
  fi
  log "dockerd: starting (log $LAB_DIR/dockerd.log)"
  # setsid: the engine must outlive this script and its caller's process group.
  setsid /usr/sbin/dockerd --pidfile "$LAB_DIR/dockerd.pid" </dev/null >>"$LAB_DIR/dockerd.log" 2>&1 &
  echo lab-started >"$LAB_DIR/dockerd.mode"
  local i
  for ((i = 0; i < 120; i++)); do
    docker_answers && return 0
    sleep 0.5
  done
  tail -n 20 "$LAB_DIR/dockerd.log" >&2
  die "dockerd did not answer 'docker info' within 60 s"
}

dockerd_status() {
  local mode pid
  if ! docker_answers; then
    echo "dockerd: down"
    return 1
  fi
  mode=$(cat "$LAB_DIR/dockerd.mode" 2>/dev/null || echo reused)
  if [[ $mode == lab-started ]]; then
    pid=$(<"$LAB_DIR/dockerd.pid")
  else
    # A dockerd started without --pidfile writes /var/run/docker.pid.
    pid=$(cat /var/run/docker.pid 2>/dev/null || pidof dockerd 2>/dev/null || echo '?')
  fi
  echo "dockerd: up (pid $pid, $mode)"
}

dockerd_down() {
  if [[ $(cat "$LAB_DIR/dockerd.mode" 2>/dev/null) == lab-started ]]; then
    log "dockerd: stopping the lab-started engine"
    stop_pid "$LAB_DIR/dockerd.pid" dockerd
  fi
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
