# What runs on a host's stack, read in one session, no secrets needed: the tag its compose file was rendered
# for, each container (compose ps as JSON), the last audit line; for drift (lib/status/drift.ts) the newest
# deploy record, the compose file's sha256, each container's id and image, the non-secret env vars that differ
# from the record's (names only: values stay here) and the stack's locks held. Variables, bound by
# lib/status/remote.ts: compose_path lock_scopes=(); with SECRETS=1 secret_env=() and the secrets exported
# (stack_secret_drift, lib/deploy/secret-env.sh); for the logs: tail services=().
# shellcheck disable=SC2154 # the variables are bound by lib/status/remote.ts (bind) ahead of this file

stack_status() {
  if [ ! -f "$compose_path" ]; then
    ktrdr_event absent
    exit 0
  fi
  ktrdr_event file-tag "$(sed -n 's/^# ktrdr-tag: //p' "$compose_path")"
  docker compose -f "$compose_path" ps -a --format json | sed 's/^/::ktrdr ps /'
  ktrdr_event audit "$(tail -n1 "${compose_path%/*}/deploy-audit.log" 2>/dev/null || true)"
  stack_drift
}

# stack_drift: what drift.ts compares with the newest record.
stack_drift() {
  local records=("${compose_path%/*}"/deploys/[0-9][0-9][0-9][0-9][0-9][0-9].json) newest line ids=() f scope
  local svc id image state want name
  local -A envs=()
  newest=${records[${#records[@]} - 1]}
  if [ -f "$newest" ]; then
    { IFS= read -r line || true; } <"$newest"
    printf '::ktrdr record %s %s
' "${newest##*/}" "$line"
  fi
  line=$(sha256sum <"$compose_path") && ktrdr_event compose-sha "${line%% *}"
  mapfile -t ids < <(docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$(project_of)" \
    --filter label=com.docker.compose.oneoff=False)
  if ((${#ids[@]})); then
    while read -r svc id image state; do
      ktrdr_event container "$svc $id $image $state"
    done < <(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Config.Image}} '\
'{{.State.Status}}' "${ids[@]}")
    # Non-secret env against the record's: each container's env read here, compared here, names printed.
    if [ -f "${newest%.json}.env" ]; then
      while IFS= read -r line; do
        id=${line%% *} && envs[$id]=${line#* }
      done < <(docker inspect -f '{{.Id}} {{index .Config.Labels "com.docker.compose.service"}}'\
'{{range .Config.Env}}{{"\x1f"}}{{.}}{{end}}' "${ids[@]}")
      for id in "${!envs[@]}"; do
        svc=${envs[$id]%%$'\x1f'*}
        while IFS= read -r want; do
          [ "${want%% *}" = "$svc" ] || continue
          want=${want#* } && name=${want%%=*}
          case "${envs[$id]}"$'\x1f' in *$'\x1f'"$want"$'\x1f'*) ;; *) ktrdr_event env-drift "$svc $name" ;; esac
        done <"${newest%.json}.env"
      done
    fi
  fi
  for scope in "${lock_scopes[@]}"; do
    for f in /run/lock/ktrdr/"$scope".owner.*; do
      [ -f "$f" ] || continue
      if ktrdr_lock_owner "$f"; then { IFS= read -r line || true; } <"$f" && ktrdr_event lock "$scope $line"; fi
    done
  done
}

# stack_secret_drift: each running container's secrets against the values exported here (the provider's, read
# once by make status SECRETS=1): one `secret-drift <service> <NAME>` per one it does not hold. Names only.
stack_secret_drift() {
  local ids=() svc env name
  [ -f "$compose_path" ] || return 0
  mapfile -t ids < <(docker ps -q --no-trunc --filter "label=com.docker.compose.project=$(project_of)" \
    --filter label=com.docker.compose.oneoff=False)
  ((${#ids[@]})) || return 0
  while IFS=$'\x1f' read -r -d $'\x1e' svc env; do
    svc=${svc#$'\n'}
    while IFS= read -r name; do
      [ -z "$name" ] || ktrdr_event secret-drift "$svc $name"
    done <<<"$(secret_env_mismatch "$svc" "$env")"
  done < <(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}'\
'{{range .Config.Env}}{{"\x1f"}}{{.}}{{end}}{{"\x1e"}}' "${ids[@]}")
}

# project_of: compose's project name for the file (its `name:`, as lib/compose renders it).
project_of() {
  local line
  while IFS= read -r line; do
    case $line in name:*) line=${line#name:} && printf '%s' "${line// /}" && return 0 ;; esac
  done <"$compose_path"
}

# stack_logs: the recent logs of some of its services (bound: tail services=()).
stack_logs() { docker compose -f "$compose_path" logs --no-color --tail "$tail" "${services[@]}"; }

# host_projects: every compose project on this host with its compose file(s), one `project <name> <files>` each:
# a stack the config no longer names (a node dropped from worker-nodes.yml with its stack left running).
host_projects() {
  docker ps -a --format '{{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.project.config_files"}}' |
    sort -u | while read -r name files; do [ -z "$name" ] || ktrdr_event project "$name $files"; done
}
