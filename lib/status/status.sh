# What runs on a host's stack, read in one session, no secrets needed: the tag its compose file was rendered
# for, each container (compose ps as JSON), the last audit line. Variables, bound by scripts/status.ts:
# compose_path; for the logs: tail services=().
# shellcheck disable=SC2154 # the variables are bound by lib/status/remote.ts (bind) ahead of this file

stack_status() {
  if [ ! -f "$compose_path" ]; then
    ktrdr_event absent
    exit 0
  fi
  ktrdr_event file-tag "$(sed -n 's/^# ktrdr-tag: //p' "$compose_path")"
  docker compose -f "$compose_path" ps -a --format json | sed 's/^/::ktrdr ps /'
  ktrdr_event audit "$(tail -n1 "${compose_path%/*}/deploy-audit.log" 2>/dev/null || true)"
}

# stack_logs: the recent logs of some of its services (bound: tail services=()).
stack_logs() { docker compose -f "$compose_path" logs --no-color --tail "$tail" "${services[@]}"; }
