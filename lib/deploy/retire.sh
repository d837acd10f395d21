# Retire a worker node's stack (lib/deploy/retire.ts): under its lock, `compose down`, then its compose file,
# deploy records and our images go; the audit log stays with a last line. Variables, bound by
# lib/deploy/retire.ts: compose_path compose_dir project operator own_repos=(); the lock by lockLines.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/retire.ts (bind) ahead of this file

retire() {
  local now repo ids=()
  ktrdr_event step down
  if [ -f "$compose_path" ]; then
    docker compose -f "$compose_path" down --remove-orphans -t 30 >/dev/null 2>&1 ||
      fail "docker compose down failed for $compose_path: nothing else was removed"
  fi
  # Containers of the project the file no longer names (or with no file left): gone too.
  mapfile -t ids < <(docker ps -aq --filter "label=com.docker.compose.project=$project")
  if ((${#ids[@]})); then docker rm -f "${ids[@]}" >/dev/null || fail "cannot remove the project's containers"; fi
  ktrdr_event step remove
  rm -rf "$compose_dir/deploys"
  rm -f "$compose_path" "$compose_path.prev"
  for repo in "${own_repos[@]}"; do
    mapfile -t ids < <(docker image ls -q "$repo" | sort -u)
    if ((${#ids[@]})); then docker image rm -f "${ids[@]}" >/dev/null 2>&1 || true; fi
  done
  TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
  [ ! -d "$compose_dir" ] || printf '%s operator=%s action=retire result=ok\n' "$now" "$operator" \
    >>"$compose_dir/deploy-audit.log"
  ktrdr_event retired "$project"
}

# retire_lock SCOPE: the lock's file goes last (this shell still holds it: a job waiting on it gets it free).
retire_lock() { rm -f "/run/lock/ktrdr/$1.lock"; }
