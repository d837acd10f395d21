# One host's deploy (design §7.2–7.3), sent into the host's shell once its preflight passed. Variables, bound
# by lib/deploy/scripts.ts: compose_path compose_dir project tag action operator registry health_timeout current
# (1: the host holds every image at its pinned digest: no login, no pull) compose_text, ship_names=()
# ship_texts=() (files shipped beside the compose file), services=() pull_services=(); for the deploy record
# (write_record): record_text (the workstation's part, JSON) record_sum (its sha256), pin_text, env_text,
# images_text, records_keep, own_repos=(); for unchanged: same_sum (the deploy's sum without who and when),
# secret_env=() ("<service> <NAME>" for each secret a service takes), all_services=() (the compose file's);
# db_role (the core with a db: its role, for rotate_db); rolling and its variables (a worker node: rolling.sh).
# Secrets are exported by name ahead of this (REGISTRY_USERNAME, REGISTRY_PASSWORD, the compose file's own);
# nothing here prints one.
# Every process a deploy starts costs ~15 ms on a busy host: builtins where they do.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/scripts.ts (bind) ahead of this file

dc() { docker compose -f "$compose_path" "$@"; }

# audit RESULT: one line per run on the host: time, operator, tag, services, result. No secret ever.
audit() {
  local now
  TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1 2>/dev/null || now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local IFS=,
  printf '%s operator=%s tag=%s services=%s action=%s result=%s\n' "$now" "$operator" "$tag" "${services[*]:-all}" \
    "$action" "$1" \
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
  # From here an ending without an outcome puts the previous release back (put_back).
  deploy_phase=shipped
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
# compose's words go to stderr as they are (the workstation masks secrets there); a port taken is explained.
pull_up() {
  local err
  ktrdr_event step pull
  if ((${#pull_services[@]})); then dc pull --quiet "${pull_services[@]}" || return 1; fi
  # A worker node's changed replicas one by one, each drained first (rolling.sh); then `up` has nothing left
  # to recreate and only converges (a replica added, one removed from the config, one stopped).
  [ "${rolling:-0}" != 1 ] || roll
  ktrdr_event step up
  if ! err=$(dc up -d --remove-orphans "${services[@]}" 2>&1); then
    compose_failed "$err"
    return 1
  fi
  [ -z "$err" ] || printf '%s\n' "$err" >&2
}

# compose_failed ERR: compose's words on stderr, as they are; a port taken is explained (a `failed` event).
compose_failed() {
  local taken
  printf '%s\n' "$1" >&2
  taken=$(port_taken "$1")
  [ -z "$taken" ] || ktrdr_event failed "$taken"
}

# port_taken ERR [brief]: when compose failed on a published port the engine has already given out ("Bind for
# ADDR:PORT failed: port is already allocated"), what holds it, in the operator's words, and the repair (not
# when brief); nothing otherwise. Only a running container holds one: none means the engine's own bookkeeping.
port_taken() {
  local re='Bind for ([^ ]+):([0-9]+) failed: port is already allocated' addr port holders=() IFS=, fix
  [[ $1 =~ $re ]] || return 0
  addr=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
  mapfile -t holders < <(docker ps --filter "publish=$port" \
    --format '{{.Names}} (project {{if .Label "com.docker.compose.project"}}{{.Label "com.docker.compose.project"}}'\
'{{else}}none{{end}})' 2>/dev/null)
  if ((${#holders[@]})); then
    printf 'port %s on %s is taken by the container %s' "$port" "$addr" "${holders[*]}"
    fix=': stop it or give this stack another port, then deploy again'
  else
    printf 'port %s on %s is taken, yet no container on this engine publishes it' "$port" "$addr"
    fix=': the engine lost track of it (restart docker on this host, then deploy again)'
  fi
  [ "${2:-}" = brief ] || printf '%s' "$fix"
}

# wait_healthy: until every service's containers are healthy (or running, without a healthcheck), within
# health_timeout seconds. One `docker ps` per round over the project's labels (compose ps + inspect cost 3×),
# a round every 0.5 s (a rolling deploy waits once per replica).
# A container that exited, or that docker is restarting (a crash loop), fails at once: waiting could not
# help it. Its last log lines come back as `log` events (the workstation masks every secret in them).
wait_healthy() {
  local deadline=$((SECONDS + health_timeout)) svc name state status bad pending seen s wanted=" ${services[*]} "
  local failing
  while :; do
    bad="" pending=0 seen=" " failing=()
    while IFS=$'\t' read -r svc name state status; do
      case $wanted in *" $svc "*) ;; *) continue ;; esac
      seen="$seen$svc "
      case $state in
        running)
          case $status in
            *"(unhealthy)"*) bad="$bad /$name unhealthy" failing+=("$name") ;;
            *"(health: starting)"*) pending=1 ;;
          esac
          ;;
        created) pending=1 ;;
        restarting)
          # docker's status is "Restarting (<exit code>) <when>"
          s=${status#*(} && s=${s%%)*}
          bad="$bad /$name crash-looping (exits with $s)" failing+=("$name")
          ;;
        *) bad="$bad /$name $state" failing+=("$name") ;;
      esac
    done < <(docker ps -a --filter "label=com.docker.compose.project=$project" \
      --filter label=com.docker.compose.oneoff=False \
      --format '{{.Label "com.docker.compose.service"}}	{{.Names}}	{{.State}}	{{.Status}}')
    for s in "${services[@]}"; do case $seen in *" $s "*) ;; *) pending=1 ;; esac; done
    if [ -n "$bad" ]; then
      ktrdr_event unhealthy "$bad"
      last_logs "${failing[@]}"
      return 1
    fi
    [ "$pending" = 1 ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      ktrdr_event unhealthy "timed out after ${health_timeout}s"
      return 1
    fi
    sleep 0.5
  done
}

# last_logs NAME…: the last 10 log lines of each container, one `log` event each (at most three containers).
last_logs() {
  local name line
  for name in "${@:1:3}"; do
    while IFS= read -r line; do ktrdr_event log "$name: $line"; done < <(docker logs --tail 10 "$name" 2>&1 || true)
  done
}

# stop_replaced: before the rollback's compose replaces the new release (the previous compose file in place),
# the containers it will recreate — their config hash not the previous file's — are stopped, their restart
# policy off first: docker restarts a crash loop's containers on its own meanwhile, and a container removed
# while the engine restarts it can keep its published port allocated in that engine (docker 20.10), which
# fails every later start on that port. A container compose keeps (the same config) is left as it is; so is
# everything when compose cannot say the hashes.
stop_replaced() {
  local ids=() id svc hash
  local -A want=()
  config_hashes want
  while read -r id svc hash; do
    [ -z "${want[$svc]:-}" ] || [ "$hash" = "${want[$svc]}" ] || ids+=("$id")
  done < <(docker ps -a --filter "label=com.docker.compose.project=$project" \
    --format '{{.ID}} {{.Label "com.docker.compose.service"}} {{.Label "com.docker.compose.config-hash"}}' 2>/dev/null)
  ((${#ids[@]})) || return 0
  docker update --restart=no "${ids[@]}" >/dev/null 2>&1 || true
  docker stop "${ids[@]}" >/dev/null 2>&1 || true
}

# config_hashes VAR: VAR[service] = the config hash compose gives each of services in the file in place (none
# when compose cannot say them); a container that carries another one is recreated by `up`.
config_hashes() {
  local -n __hashes=$1
  local svc hash list
  list=$(IFS=,; printf '%s' "${services[*]}")
  while read -r svc hash; do __hashes[$svc]=$hash; done < <(dc config --hash "$list" 2>/dev/null || true)
}

# health_or_rollback: the health gate; on failure the previous config comes back (the old replicas as they were).
health_or_rollback() {
  local prev_tag
  ktrdr_event step health
  wait_healthy && return 0
  if [ ! -f "$compose_path.prev" ]; then
    deploy_phase=finished
    audit unhealthy
    write_record partial unhealthy
    exit 77
  fi
  prev_tag=$(sed -n 's/^# ktrdr-tag: //p' "$compose_path.prev")
  ktrdr_event rollback "$prev_tag"
  mv -f "$compose_path.prev" "$compose_path"
  stop_replaced
  dc up -d --remove-orphans "${services[@]}"
  deploy_phase=finished
  if wait_healthy; then
    audit "rolled-back-to=$prev_tag"
    write_record partial "rolled-back-to=$prev_tag"
    exit 76
  fi
  audit rollback-unhealthy
  write_record partial rollback-unhealthy
  exit 77
}

# put_back: a cleanup (on_exit). A deploy that ends once its files were shipped without reaching an outcome —
# Ctrl-C on the workstation (its session's stdin closes: the watcher TERMs this shell), a lost connection, a
# TERM, compose failing half way — puts the previous release back and waits for it to be healthy, so a host is
# never left between two releases. Signals are ignored while cleanups run; compose's output goes nowhere (the
# connection may be gone) and the events may never arrive: the audit line is the record. While a worker node
# rolls (rolling.sh), the replica being drained takes jobs again first; once a replica was replaced and found
# healthy, the rolling stops there instead (roll_stopped: what was replaced stays).
deploy_phase=
put_back() {
  local prev_tag why=failed err taken
  case $deploy_phase in shipped | rolling) ;; compose-failed) why=compose-failed ;; *) return 0 ;; esac
  [ "${__ktrdr_status:-0}" != 130 ] || why=interrupted
  if [ "$deploy_phase" = rolling ]; then
    ((${#draining_now[@]} == 0)) || undrain "${draining_now[@]}"
    services=("${roll_services[@]}")
    if ((${#replaced[@]})); then
      deploy_phase=finished
      roll_stopped "$why"
      return 0
    fi
  fi
  deploy_phase=finished
  ktrdr_event step put-back
  if [ ! -f "$compose_path.prev" ]; then
    # The first deploy to this path: there is no release to go back to. Stop what was half started.
    dc stop "${services[@]}" >/dev/null 2>&1 || true
    ktrdr_event put-back "$why: no previous release; $tag was stopped on this host"
    audit "$why stopped (no previous release)"
    write_record partial "$why stopped (no previous release)"
    return 0
  fi
  prev_tag=$(sed -n 's/^# ktrdr-tag: //p' "$compose_path.prev")
  mv -f "$compose_path.prev" "$compose_path"
  # compose's words are kept for the event (the connection may be gone: then they go nowhere, harmlessly). A
  # compose stopped half way can leave a container behind under a temporary name: once more, recreating all.
  if ! err=$(dc up -d --remove-orphans "${services[@]}" 2>&1) &&
    ! err=$(dc up -d --remove-orphans --force-recreate "${services[@]}" 2>&1); then
    taken=$(port_taken "$err" brief)
    ktrdr_event put-back "$why: compose could not start $prev_tag again: ${taken:-${err##*$'\n'}}"
    audit "$why rollback-failed rolled-back-to=$prev_tag"
    write_record partial "$why rollback-failed rolled-back-to=$prev_tag"
    return 0
  fi
  # What the stopped compose left (a container it was replacing, half removed) can fail the first look: once
  # more, after compose converged again.
  if wait_healthy || { dc up -d --remove-orphans "${services[@]}" >/dev/null 2>&1 && wait_healthy; }; then
    ktrdr_event put-back "$why: back on $prev_tag, running and healthy"
    audit "$why rolled-back-to=$prev_tag"
    write_record partial "$why rolled-back-to=$prev_tag"
  else
    ktrdr_event put-back "$why: back on $prev_tag, which is not healthy"
    audit "$why rollback-unhealthy rolled-back-to=$prev_tag"
    write_record partial "$why rollback-unhealthy rolled-back-to=$prev_tag"
  fi
}

# rotate_db: a DB_PASSWORD other than the one the running backend has is applied to the database role first,
# so the backend recreated with it can log in (POSTGRES_PASSWORD only sets the password of a new data
# directory). The statement goes on psql's stdin (printf is a builtin: never in an argv), with statement
# logging off for the session where the role may set it; psql's own words are never printed (an error quotes
# the statement). Compared here, in memory: neither password is printed or written.
# shellcheck disable=SC2016 # :"role" is psql's variable
rotate_db() {
  local backend db line old='' have=0 sql q="'"
  [ -n "$db_role" ] || return 0
  backend=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.service=backend)
  db=$(docker ps -q --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=db)
  [ -n "$backend" ] && [ -n "$db" ] || return 0
  while IFS= read -r line; do
    case $line in DB_PASSWORD=*) old=${line#DB_PASSWORD=} have=1 ;; esac
  done < <(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "${backend%%$'\n'*}")
  [ "$have" = 1 ] && [ "$old" != "$DB_PASSWORD" ] || return 0
  ktrdr_event step rotate-db
  sql=$'SET log_statement = none;\nSET log_min_error_statement = panic;\n\\set ON_ERROR_STOP 1\n'
  sql+="ALTER ROLE :\"role\" PASSWORD '${DB_PASSWORD//"$q"/$q$q}';"$'\n'
  if ! printf '%s' "$sql" | docker exec -i "${db%%$'\n'*}" psql -X -q -v role="$db_role" -U "$db_role" -d postgres \
    >/dev/null 2>&1; then
    ktrdr_event failed "the database role $db_role did not take the new DB_PASSWORD: nothing was recreated"
    exit 1
  fi
  ktrdr_event rotated "DB_PASSWORD changed: applied to the database role $db_role before the backend was recreated"
}

# unchanged: the host already runs exactly this deploy, so nothing is shipped, pulled or recreated: the images
# at their digests (current), the compose and shipped files on disk byte for byte, the newest record complete
# and of the same deploy (same_sum: files, digests, env and secret names), its containers — none recreated
# since, none more — running and healthy, each holding the exported value of every secret it takes (compared
# here, in memory: never printed). Two docker calls at once (the project's containers listed while the
# record's are inspected); anything else, or any doubt, and the deploy runs in full.
unchanged() {
  local text i f newest='' line seg running=() svc id state health env seen=0 ok=1 listed
  local -A recorded=()
  [ "$current" = 1 ] && [ -n "$same_sum" ] || return 1
  read_file text "$compose_path" && [ "$text" = "$compose_text" ] || return 1
  for i in "${!ship_names[@]}"; do
    read_file text "$compose_dir/${ship_names[i]}" && [ "$text" = "${ship_texts[i]}" ] || return 1
  done
  for f in "$compose_dir"/deploys/[0-9][0-9][0-9][0-9][0-9][0-9].json; do [ ! -f "$f" ] || newest=$f; done
  [ -n "$newest" ] || return 1
  { IFS= read -r line || true; } <"$newest"
  case $line in *'"state":"complete",'*'"same":"'"$same_sum"'",'*) ;; *) return 1 ;; esac
  seg=${line#*'"containers":['} && seg=${seg%%'],"sum":'*}
  while [[ $seg == *'"id":"'* ]]; do
    seg=${seg#*'"id":"'} && recorded[${seg%%\"*}]=1
  done
  ((${#recorded[@]})) || return 1
  # The listing runs beside the inspection; it is read to its end (the process gone) whatever the inspection says.
  exec {listed}< <(docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.oneoff=False 2>/dev/null)
  while IFS=$'\x1f' read -r -d $'\x1e' svc state health env; do
    svc=${svc#$'\n'} seen=$((seen + 1))
    case " ${all_services[*]} " in *" $svc "*) ;; *) ok=0 ;; esac
    [ "$state" = running ] && { [ "$health" = healthy ] || [ "$health" = none ]; } || ok=0
    secret_env_matches "$svc" "$env" || ok=0
  done < <(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}{{"\x1f"}}{{.State.Status}}'\
'{{"\x1f"}}{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}{{"\x1f"}}'\
'{{range .Config.Env}}{{"\x1f"}}{{.}}{{end}}{{"\x1e"}}' "${!recorded[@]}" 2>/dev/null)
  mapfile -t -u "$listed" running
  exec {listed}<&-
  ((ok)) && [ "$seen" = "${#recorded[@]}" ] && [ "${#running[@]}" = "${#recorded[@]}" ] || return 1
  for id in "${running[@]}"; do [ -n "${recorded[$id]:-}" ] || return 1; done
}

# deploy: the steps, in order, under the host's lock (taken by the caller's lines, lib/job/lock.sh).
deploy() {
  ktrdr_event step compare
  if unchanged; then
    ktrdr_event unchanged 'already running exactly this: nothing shipped, pulled or recreated'
    audit ok
    return 0
  fi
  on_exit put_back
  ship
  if [ "$current" = 1 ]; then
    ktrdr_event current 'every image is on the host at the digest the registry has for it: no login, no pull'
  else
    login
  fi
  rotate_db
  if ! pull_up; then
    ktrdr_event compose-failed
    deploy_phase=compose-failed
    exit 1
  fi
  health_or_rollback
  deploy_phase=finished
  audit ok
  write_record complete ok
  prune_images
}

# write_record STATE RESULT: the deploy's record, <compose dir>/deploys/NNNNNN.json (one JSON line: the
# workstation's record_text inside what only this host knows), with NNNNNN.env (non-secret env, for the status
# check) and NNNNNN.images (what pruning keeps); a complete one leaves its pins for the next preflight. The
# last records_keep are kept. A record that cannot be written is a warning, never a failed deploy.
write_record() {
  local dir=$compose_dir/deploys seq=0 prev=null f n now ids=() containers='' result=${2//[\\\"]/}
  [ -d "$dir" ] || mkdir -p "$dir" || {
    ktrdr_event warn "no deploy record: cannot make $dir"
    return 0
  }
  for f in "$dir"/[0-9][0-9][0-9][0-9][0-9][0-9].json; do
    [ -f "$f" ] || continue
    n=${f##*/} && n=$((10#${n%.json}))
    ((n <= seq)) || seq=$n
  done
  ((seq == 0)) || prev=$seq
  seq=$((seq + 1))
  TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
  mapfile -t ids < <(docker ps -aq --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.oneoff=False 2>/dev/null || true)
  if ((${#ids[@]})); then
    containers=$(docker inspect -f '{"service":{{json (index .Config.Labels "com.docker.compose.service")}},'\
'"name":{{json .Name}},"id":{{json .Id}},"created":{{json .Created}},"image":{{json .Config.Image}},'\
'"image_id":{{json .Image}}}' "${ids[@]}" 2>/dev/null | paste -sd, -) || containers=''
  fi
  n=$(printf '%s/%06d' "$dir" "$seq")
  if ! { printf '%s' "$env_text" >"$n.env" && printf '%s' "$images_text" >"$n.images" &&
    printf '{"v":1,"seq":%d,"previous":%s,"state":"%s","result":"%s","finished":"%s","containers":[%s],%s%s}\n' \
      "$seq" "$prev" "$1" "$result" "$now" "$containers" "\"sum\":\"$record_sum\",\"same\":\"$same_sum\",\"deploy\":" \
      "$record_text" \
      >"$n.json.new" &&
    mv -f "$n.json.new" "$n.json"; }; then
    ktrdr_event warn "the deploy record $n.json could not be written"
    return 0
  fi
  if [ "$1" = complete ]; then printf '%s' "$pin_text" >"$dir/pins.new" && mv -f "$dir/pins.new" "$dir/pins"; fi
  ktrdr_event record "$seq $1"
  prune_records "$dir"
}

# prune_records DIR: all but the newest records_keep records go (with their .env and .images).
prune_records() {
  local files=("$1"/[0-9][0-9][0-9][0-9][0-9][0-9].json) i
  [ -f "${files[0]}" ] || return 0
  for ((i = 0; i < ${#files[@]} - records_keep; i++)); do
    rm -f "${files[i]}" "${files[i]%.json}.env" "${files[i]%.json}.images"
  done
}

# prune_images: images of our repositories (own_repos) that no kept record names go; one a kept record names
# stays, and docker itself refuses to remove one a container uses.
prune_images() {
  local named=' ' keep=' ' f ref repo t dg id line lines=() gone=0
  for f in "$compose_dir"/deploys/*.images; do
    [ -f "$f" ] || continue
    while IFS= read -r ref; do named+="$ref "; done <"$f"
  done
  for repo in "${own_repos[@]}"; do
    mapfile -t -O "${#lines[@]}" lines < <(docker image ls --digests \
      --format '{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}' "$repo" 2>/dev/null || true)
  done
  for line in "${lines[@]}"; do
    read -r repo t dg id <<<"$line"
    case $named in *" $repo:$t "* | *" $repo@$dg "*) keep+="$id " ;; esac
  done
  for line in "${lines[@]}"; do
    read -r repo t dg id <<<"$line"
    case $keep in *" $id "*) continue ;; esac
    if [ "$t" != '<none>' ] && docker image rm "$repo:$t" >/dev/null 2>&1; then gone=$((gone + 1)); fi
    if [ "$dg" != '<none>' ] && docker image rm "$repo@$dg" >/dev/null 2>&1; then gone=$((gone + 1)); fi
  done
  ((gone == 0)) || ktrdr_event pruned "$gone image references no kept deploy record names"
}
