# One host's deploy (design §7.2–7.3), sent into the host's shell once its preflight passed. Variables, bound by
# lib/deploy/scripts.ts: compose_path compose_dir project tag operator registry health_timeout current (1: the
# host holds every image at the registry's digest: no login, no pull) compose_text, ship_names=() ship_texts=()
# (files shipped beside the compose file), services=() pull_services=(). Secrets are exported by name ahead of
# this (REGISTRY_USERNAME, REGISTRY_PASSWORD, the compose file's own); nothing here prints one.
# Every process a deploy starts costs ~15 ms on a busy host: builtins where they do.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/scripts.ts (bind) ahead of this file

dc() { docker compose -f "$compose_path" "$@"; }

# audit RESULT: one line per run on the host: time, operator, tag, services, result. No secret ever.
audit() {
  local now
  TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1 2>/dev/null || now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local IFS=,
  printf '%s operator=%s tag=%s services=%s result=%s\n' "$now" "$operator" "$tag" "${services[*]:-all}" "$1" \
    >>"$compose_dir/deploy-audit.log"
  ktrdr_event audit "$1"
}

# read_file VAR PATH: VAR = the whole file (builtin read; empty when there is none). A file that cannot be read
# fails the redirection, and set -e stops the script; `|| true` covers only read's end of file.
read_file() {
  local -n __into=$1
  __into=
  if [ -f "$2" ]; then { IFS= read -r -d '' __into || true; } <"$2"; fi
}

# ship_file PATH TEXT: write through a temp name and rename, unless the file already holds exactly TEXT. Each
# step is its own command: under set -e a failed write stops the script before compose could run.
ship_file() {
  local current
  [ -d "${1%/*}" ] || mkdir -p "${1%/*}"
  read_file current "$1"
  if [ "$current" != "$2" ] || [ ! -f "$1" ]; then
    printf '%s' "$2" >"$1.new"
    mv -f "$1.new" "$1"
  fi
}

# ship: keep the running compose file as .prev (for the rollback), then put the new files in place.
ship() {
  local prev i
  ktrdr_event step ship
  read_file prev "$compose_path"
  if [ -f "$compose_path" ]; then printf '%s' "$prev" >"$compose_path.prev"; else rm -f "$compose_path.prev"; fi
  for i in "${!ship_names[@]}"; do ship_file "$compose_dir/${ship_names[i]}" "${ship_texts[i]}"; done
  ship_file "$compose_path" "$compose_text"
}

# login: the registry password on stdin (printf is a builtin: no argv), into a DOCKER_CONFIG on tmpfs (never
# ordinary disk, where a killed run would leave the login behind), removed on exit.
login() {
  local home=${DOCKER_CONFIG:-$HOME/.docker} err
  ktrdr_event step login
  DOCKER_CONFIG=$(mktemp -d /dev/shm/ktrdr-docker.XXXXXX 2>/dev/null ||
    mktemp -d "${XDG_RUNTIME_DIR:-/nonexistent}/ktrdr-docker.XXXXXX" 2>/dev/null) || {
    ktrdr_event failed 'no tmpfs (/dev/shm or $XDG_RUNTIME_DIR) for the registry login'
    exit 1
  }
  export DOCKER_CONFIG
  on_exit 'rm -rf "$DOCKER_CONFIG"'
  # A compose plugin installed per user (where the preflight found it) must stay visible to the docker CLI.
  [ ! -d "$home/cli-plugins" ] || ln -s "$home/cli-plugins" "$DOCKER_CONFIG/cli-plugins"
  # One placeholder auth entry: without any, docker would store the password in a credential helper (pass,
  # secretservice) that outlives this directory.
  printf '%s\n' '{"auths":{"ktrdr.invalid":{}}}' >"$DOCKER_CONFIG/config.json"
  if ! err=$(printf '%s' "$REGISTRY_PASSWORD" |
    docker login --username "$REGISTRY_USERNAME" --password-stdin "$registry" 2>&1 >/dev/null); then
    ktrdr_event login-refused "${err##*$'\n'}"
    exit 1
  fi
}

# pull_up: our own images are pulled (the tag being deployed); pinned third-party images are fetched by `up`
# when missing (compose's default pull policy), so a deploy never re-asks a registry for them.
pull_up() {
  ktrdr_event step pull
  if ((${#pull_services[@]})); then dc pull --quiet "${pull_services[@]}" || return 1; fi
  ktrdr_event step up
  dc up -d --remove-orphans "${services[@]}"
}

# wait_healthy: until every service's containers are healthy (or running, without a healthcheck), within
# health_timeout seconds. One `docker ps` per round over the project's labels (compose ps + inspect cost 3×).
wait_healthy() {
  local deadline=$((SECONDS + health_timeout)) svc name state status bad pending seen s wanted=" ${services[*]} "
  while :; do
    bad="" pending=0 seen=" "
    while IFS=$'\t' read -r svc name state status; do
      case $wanted in *" $svc "*) ;; *) continue ;; esac
      seen="$seen$svc "
      case $state in
        running)
          case $status in
            *"(unhealthy)"*) bad="$bad /$name unhealthy" ;;
            *"(health: starting)"*) pending=1 ;;
          esac
          ;;
        created | restarting) pending=1 ;;
        *) bad="$bad /$name $state" ;;
      esac
    done < <(docker ps -a --filter "label=com.docker.compose.project=$project" \
      --filter label=com.docker.compose.oneoff=False \
      --format '{{.Label "com.docker.compose.service"}}	{{.Names}}	{{.State}}	{{.Status}}')
    for s in "${services[@]}"; do case $seen in *" $s "*) ;; *) pending=1 ;; esac; done
    if [ -n "$bad" ]; then
      ktrdr_event unhealthy "$bad"
      return 1
    fi
    [ "$pending" = 1 ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      ktrdr_event unhealthy "timed out after ${health_timeout}s"
      return 1
    fi
    sleep 1
  done
}

# health_or_rollback: the health gate; on failure the previous config comes back (the old replicas as they were).
health_or_rollback() {
  local prev_tag
  ktrdr_event step health
  wait_healthy && return 0
  if [ ! -f "$compose_path.prev" ]; then
    audit unhealthy
    exit 77
  fi
  prev_tag=$(sed -n 's/^# ktrdr-tag: //p' "$compose_path.prev")
  ktrdr_event rollback "$prev_tag"
  mv -f "$compose_path.prev" "$compose_path"
  dc up -d --remove-orphans "${services[@]}"
  if wait_healthy; then
    audit "rolled-back-to=$prev_tag"
    exit 76
  fi
  audit rollback-unhealthy
  exit 77
}

# deploy: the steps, in order, under the host's lock (taken by the caller's lines, lib/job/lock.sh).
deploy() {
  ship
  if [ "$current" = 1 ]; then
    ktrdr_event current 'every image is on the host at the digest the registry has for it: no login, no pull'
  else
    login
  fi
  if ! pull_up; then
    audit compose-failed
    ktrdr_event compose-failed
    exit 1
  fi
  health_or_rollback
  audit ok
}
