# A worker node's rolling replacement (design §6.5, §7.4), sent with deploy.sh: each replica whose config the
# deploy changes is drained (its worker takes no new job and finishes the one it has), replaced once idle, and
# waited for until healthy and registered with the backend, at most max_unavailable at once. Variables, bound
# by lib/deploy/scripts.ts: rolling (1 for a worker node), drain_timeout (seconds), max_unavailable, force (1:
# replace a replica still busy at the deadline), replica_addrs=() (address:port of each of services, in order).
# The workers are asked over bash's /dev/tcp: no curl on a host, and no `docker exec`, whose runc spec holds
# the container's env (its secrets) on the host's disk for a moment.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/scripts.ts (bind) ahead of this file

# worker_http METHOD ADDR:PORT PATH: one HTTP/1.0 request; the status in http_code, the body in http_body.
# Non-zero when nothing answered within 5 s.
worker_http() {
  local fd line
  http_code='' http_body=''
  exec {fd}<>"/dev/tcp/${2%:*}/${2##*:}" 2>/dev/null || return 1
  printf '%s %s HTTP/1.0\r\nHost: %s\r\nContent-Length: 0\r\n\r\n' "$1" "$3" "$2" 1>&"$fd" 2>/dev/null || {
    exec {fd}>&-
    return 1
  }
  if IFS=' ' read -r -t 5 line http_code line <&"$fd"; then
    while IFS= read -r -t 5 line <&"$fd" && [ -n "${line%$'\r'}" ]; do :; done
    IFS= read -r -t 5 -d '' http_body <&"$fd" || true
  fi
  exec {fd}>&-
  [ -n "$http_code" ]
}

# status_field NAME: REPLY = the value of the top-level field NAME of the worker's /status (flat JSON: a
# string, true/false/null or a number; its `done` list comes last).
status_field() {
  local re="\"$1\": *(\"([^\"]*)\"|[A-Za-z0-9.]+)"
  REPLY=
  [[ $http_body =~ $re ]] || return 1
  REPLY=${BASH_REMATCH[2]:-${BASH_REMATCH[1]}}
}

# changed_replicas: changed=() the services compose would recreate — the new file's config hash not the one
# their container carries, or no container yet — in the file's order. When compose cannot say the hashes,
# every service counts as changed.
changed_replicas() {
  local svc hash
  local -A wanted=() carried=()
  changed=()
  config_hashes wanted
  while read -r svc hash; do carried[$svc]=$hash; done < <(docker ps -a \
    --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.oneoff=False \
    --format '{{.Label "com.docker.compose.service"}} {{.Label "com.docker.compose.config-hash"}}' 2>/dev/null)
  for svc in "${services[@]}"; do
    [ -n "${wanted[$svc]:-}" ] && [ "${carried[$svc]:-}" = "${wanted[$svc]}" ] || changed+=("$svc")
  done
}

# running_replica SERVICE: its container runs (a worker that can be asked to drain).
running_replica() {
  [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" --filter status=running 2>/dev/null)" ]
}

# drain_batch SERVICE…: each one told to drain, then watched every second until idle or drain_timeout.
# ready=() the ones to replace now; held=() "<service> <job>" for those still busy at the deadline;
# was_registered[SERVICE]=true for one the backend had before (its successor is waited for: wait_registered).
drain_batch() {
  local svc deadline=$((SECONDS + drain_timeout)) job since busy
  local -A said=()
  ready=() held=()
  for svc in "$@"; do
    if ! running_replica "$svc"; then
      ready+=("$svc")
      continue
    fi
    if worker_http GET "${addr_of[$svc]}" /status && status_field registered; then was_registered[$svc]=$REPLY; fi
    if worker_http POST "${addr_of[$svc]}" /drain && [ "$http_code" = 200 ]; then
      draining_now+=("$svc")
    else
      ktrdr_event replica "$svc does not answer on ${addr_of[$svc]}: replaced without a drain"
      ready+=("$svc")
    fi
  done
  while :; do
    busy=()
    for svc in "${draining_now[@]}"; do
      case " ${ready[*]} " in *" $svc "*) continue ;; esac
      if ! worker_http GET "${addr_of[$svc]}" /status || ! status_field state; then
        ktrdr_event replica "$svc stopped answering while draining: replaced"
        ready+=("$svc")
        continue
      fi
      if [ "$REPLY" != busy ]; then
        ktrdr_event replica "$svc idle${said[$svc]:+ (its job ${said[$svc]} finished)}"
        ready+=("$svc")
        continue
      fi
      status_field job_id && job=$REPLY
      status_field since && since=$REPLY
      # The worker says when its job started in seconds since the epoch: said as the time of day, UTC.
      [[ ! ${since%.*} =~ ^[0-9]+$ ]] || TZ=UTC0 printf -v since '%(%H:%M:%SZ)T' "${since%.*}"
      if [ "${said[$svc]:-}" != "$job" ]; then
        ktrdr_event replica "$svc draining: job $job running since $since"
        said[$svc]=$job
      fi
      busy+=("$svc")
    done
    ((${#busy[@]})) || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      for svc in "${busy[@]}"; do held+=("$svc ${said[$svc]}"); done
      return 0
    fi
    sleep 1
  done
}

# undrain SERVICE…: told to take jobs again (a replica left as it was); one that does not answer is said.
undrain() {
  local svc
  for svc in "$@"; do
    worker_http POST "${addr_of[$svc]}" /resume && [ "$http_code" = 200 ] ||
      ktrdr_event warn "$svc did not answer /resume on ${addr_of[$svc]}: it stays drained until it restarts"
  done
}

# wait_registered SERVICE…: until each new worker whose predecessor the backend had says the backend has it
# too, within health_timeout (one the backend never had — no backend, a replica added — is not waited for). A
# backend that registers none in time is a warning, and the next replicas are not waited for.
wait_registered() {
  local svc deadline=$((SECONDS + health_timeout))
  [ "$register_wait" = 1 ] || return 0
  for svc in "$@"; do
    [ "${was_registered[$svc]:-}" = true ] || continue
    while ! { worker_http GET "${addr_of[$svc]}" /status && status_field registered && [ "$REPLY" = true ]; }; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        ktrdr_event warn "$svc is healthy but not registered with the backend after ${health_timeout}s"
        register_wait=0
        return 0
      fi
      sleep 0.5
    done
    ktrdr_event replica "$svc registered"
  done
}

# roll: the changed replicas, max_unavailable at a time: drain → replace → healthy → registered → next. At the
# deadline a busy replica is left on its release and told to take jobs again, the rolling stops, and the
# deploy is recorded partial (exit 74); with force it is replaced anyway and its job named (`forced`).
# shellcheck disable=SC2034 # deploy_phase is deploy.sh's (put_back reads it)
roll() {
  local i svc job batch=() ready=() held=() changed=() register_wait=1 err
  local -A addr_of=() was_registered=()
  roll_services=("${services[@]}")
  for i in "${!services[@]}"; do addr_of[${services[i]}]=${replica_addrs[i]}; done
  ktrdr_event step drain
  changed_replicas
  if ((${#changed[@]} == 0)); then
    ktrdr_event replica "no replica changes: none drained or recreated"
    return 0
  fi
  deploy_phase=rolling
  for ((i = 0; i < ${#changed[@]}; i += max_unavailable)); do
    batch=("${changed[@]:i:max_unavailable}")
    draining_now=()
    drain_batch "${batch[@]}"
    if ((${#held[@]})) && [ "$force" = 1 ]; then
      for job in "${held[@]}"; do
        ktrdr_event forced "${job%% *} ${job#* }"
        ready+=("${job%% *}")
      done
      held=()
    fi
    if ((${#ready[@]})); then
      ktrdr_event step replace
      pending=("${ready[@]}")
      if ! err=$(dc up -d --no-deps "${ready[@]}" 2>&1); then
        compose_failed "$err"
        undrain "${draining_now[@]}"
        draining_now=()
        ktrdr_event compose-failed
        deploy_phase=compose-failed
        exit 1
      fi
      for svc in "${ready[@]}"; do ktrdr_event replica "$svc replaced"; done
      draining_now=()
      # The health gate over what was replaced so far: an unhealthy one brings the previous release back (those
      # only). services is the whole file's again after it, for the audit lines and the cleanups.
      services=("${replaced[@]}" "${pending[@]}")
      health_or_rollback
      services=("${roll_services[@]}")
      replaced+=("${pending[@]}")
      pending=()
      wait_registered "${ready[@]}"
    fi
    if ((${#held[@]})); then
      svc=${held[0]%% *} job=${held[0]#* }
      undrain "${held[@]%% *}"
      ktrdr_event drain-timeout "$svc is still running job $job after ${drain_timeout}s: left on its release"
      deploy_phase=finished
      audit "partial drain-timeout $svc job=$job"
      write_record partial "drain-timeout $svc job=$job"
      exit 74
    fi
  done
  deploy_phase=shipped
}

# roll_stopped WHY: a cleanup (put_back's, while rolling, once a replica was replaced and found healthy): Ctrl-C,
# a lost connection or a TERM stops the rolling there. What was replaced and healthy stays; a replica replaced
# but not yet healthy is started again from the previous file (the others run their release as they were); the
# record is partial. (With none replaced and healthy yet, put_back puts the whole previous release back.)
roll_stopped() {
  local why=$1 IFS=, back=''
  if ((${#pending[@]})) && [ -f "$compose_path.prev" ]; then
    if docker compose -f "$compose_path.prev" up -d --no-deps "${pending[@]}" >/dev/null 2>&1; then
      back="; ${pending[*]} back on the previous release"
    else
      back="; ${pending[*]} could not be started from the previous file"
    fi
  fi
  ktrdr_event put-back "$why while rolling: kept ${replaced[*]} on $tag$back; the others run their release as they were"
  audit "$why partial replaced=${replaced[*]}"
  write_record partial "$why replaced=${replaced[*]}"
}
# shellcheck disable=SC2034 # roll_services is read by deploy.sh's put_back
draining_now=() replaced=() pending=() roll_services=()
