#!/usr/bin/env bash
# The KTRDR homelab simulated on one machine (lab/README.md): a lab network in namespaces of its own, BIND for
# the config's zone, a TLS registry with token auth, hosts that are each a namespace with their own sshd and
# Docker engine, a workstation namespace with the builder's engine, shared storage and a stand-in 1Password
# vault. State in $KTRDR_LAB_DIR (default /var/lib/ktrdr-lab); rootfs cache in /var/cache/ktrdr-lab (kept).
#
#   lab.sh up | status | down
#   lab.sh add-host [NAME ADDR]   (default: ktrdr-workers-d 198.18.50.13)
#   lab.sh rm-host NAME
#   lab.sh ws [CMD…]              run CMD (default: a shell) on the workstation: its resolver, CA and engine
#   lab.sh on HOST CMD…           run CMD as root on a lab host, in its namespaces (no ssh)
set -euo pipefail
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for part in common net dockerd pki dns vault shared registry hosts images teardown; do
  # shellcheck source=/dev/null
  . "$LAB_ROOT/parts/$part.sh"
done

usage() {
  echo "usage: $0 up|status|down|add-host [NAME ADDR]|rm-host NAME|ws [CMD…]|on HOST CMD…" >&2
  exit 2
}

[[ $(id -u) -eq 0 ]] || die "must run as root; run: sudo $0 $*"

cmd_up() {
  local t0=$SECONDS
  command -v docker-registry >/dev/null && command -v named >/dev/null && docker compose version >/dev/null 2>&1 ||
    die "engines missing; run: $LAB_ROOT/install-engines.sh"
  ensure_lab_dir
  home_up
  net_up
  vault_up
  shared_up
  pki_up
  client_key_up
  ws_up
  local name addr
  while read -r name addr; do host_up "$name" "$addr"; done < <(host_list)
  ssh_client_config
  dns_up
  registry_up
  engines_wait
  images_up
  log "up in $((SECONDS - t0)) s"
  cmd_status
}

cmd_status() {
  local rc=0
  if [[ ! -e $LAB_MARKER ]]; then
    echo "lab: down (no $LAB_DIR)"
    return 1
  fi
  net_status || rc=1
  dns_status || rc=1
  registry_status || rc=1
  compose_status || rc=1
  echo "workstation $WS_NAME: $WS_ADDR engine $(engine_status "$WS_NAME" "$WS_DIR")" || rc=1
  hosts_status || rc=1
  shared_status || rc=1
  images_status || rc=1
  vault_status || rc=1
  return $rc
}

cmd_down() {
  hosts_down
  [[ -d $WS_DIR ]] && ws_down
  registry_down
  dns_down
  net_down
  mounts_down # after the hosts: a loop device mounted in a host's namespace is free once that namespace is gone
  stop_pid "$LAB_DIR/home.pid" sleep
  local name
  for name in "$WS_NAME" $(ls "$HOSTS_DIR" 2>/dev/null); do cgroups_down "$name"; done
  textfile_down
  lab_dir_down
  local left
  left=$(leftovers)
  [[ -z $left ]] || die "down left: $left"
  log "down: removed $LAB_DIR (cache $CACHE_DIR kept)"
}

[[ ${1:-} == ws || ${1:-} == on ]] || reenter_home "$@"
case ${1:-} in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  add-host)
    [[ -d $HOSTS_DIR ]] || die "the lab is not up; run: $0 up"
    if (($# == 1)); then set -- add-host $RESERVED_HOST; fi
    (($# == 3)) || usage
    host_add "$2" "$3"
    ;;
  rm-host)
    (($# == 2)) || usage
    host_rm "$2"
    ;;
  ws)
    shift
    pid_alive "$WS_DIR/anchor.pid" sleep || die "the lab is not up; run: $0 up"
    (($#)) || set -- bash
    exec nsenter -t "$(<"$WS_DIR/anchor.pid")" -n -m -u --wd="$PWD" -- env -u DOCKER_HOST -u DOCKER_CONTEXT \
      NODE_EXTRA_CA_CERTS="$CA_CRT" KTRDR_LAB_WS=1 "$@"
    ;;
  on)
    (($# >= 3)) || usage
    [[ -s $HOSTS_DIR/$2/anchor.pid ]] || die "no lab host '$2'"
    dir="$HOSTS_DIR/$2"
    shift 2
    in_ns "$dir" "$@"
    ;;
  *) usage ;;
esac
