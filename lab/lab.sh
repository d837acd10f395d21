#!/usr/bin/env bash
# The KTRDR homelab simulated on one machine: dockerd, a local registry, three SSH "LXCs",
# shared storage, base images and a stand-in 1Password vault. State in $KTRDR_LAB_DIR
# (default /var/lib/ktrdr-lab); rootfs cache in /var/cache/ktrdr-lab (kept by down).
#
#   lab.sh up | status | down
#   lab.sh add-host [NAME ADDR]   (default: ktrdr-workers-d 127.0.0.13)
#   lab.sh rm-host NAME
set -euo pipefail
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for part in common dockerd vault registry hosts images teardown; do
  # shellcheck source=/dev/null
  . "$LAB_ROOT/parts/$part.sh"
done

usage() { echo "usage: $0 up|status|down|add-host [NAME ADDR]|rm-host NAME" >&2; exit 2; }

[[ $(id -u) -eq 0 ]] || { echo "lab: must run as root; run: sudo $0 $*" >&2; exit 1; }

cmd_up() {
  local t0=$SECONDS
  command -v docker-registry >/dev/null && docker compose version >/dev/null 2>&1 ||
    die "engines missing; run: $LAB_ROOT/install-engines.sh"
  ensure_lab_dir
  dockerd_up
  vault_up
  shared_up
  registry_up
  hosts_up
  images_up
  log "up in $((SECONDS - t0)) s"
  cmd_status
}

cmd_status() {
  local rc=0
  dockerd_status || rc=1
  compose_status || rc=1
  registry_status || rc=1
  hosts_status || rc=1
  shared_status || rc=1
  if docker_answers; then images_status || rc=1; else echo "images: unknown (dockerd down)"; rc=1; fi
  vault_status || rc=1
  return $rc
}

cmd_down() {
  mounts_down
  docker_objects_down
  hosts_down
  registry_down
  dockerd_down
  lab_dir_down
  log "down: removed $LAB_DIR (cache $CACHE_DIR kept)"
}

case ${1:-} in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  add-host)
    [[ -d $LAB_DIR/hosts ]] || die "the lab is not up; run: $0 up"
    if (($# == 1)); then set -- add-host $RESERVED_HOST; fi
    (($# == 3)) || usage
    host_add "$2" "$3"
    ;;
  rm-host) (($# == 2)) || usage; host_rm "$2" ;;
  *) usage ;;
esac
