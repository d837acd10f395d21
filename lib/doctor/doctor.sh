# make doctor on one host: read-only, every check a `check NAME ok|fail DETAIL` event (the fixes are worded on
# the workstation, lib/doctor/checks.ts). Variables, bound by lib/doctor/checks.ts: shared (the shared mount),
# names=() (what this host must resolve: the registry, the core), dirs=() (where deploys write: compose
# directories), min_free_mb.
# shellcheck disable=SC2154 # the variables are bound by lib/doctor/checks.ts (bind) ahead of this file

# check NAME ok|fail DETAIL…
check() {
  local name=$1 verdict=$2
  shift 2
  ktrdr_event check "$name" "$verdict" "$*"
}

doctor() {
  local v root d free name
  ktrdr_event step checks
  if ! command -v docker >/dev/null; then
    check docker fail 'docker is not installed'
  elif v=$(docker version --format '{{.Server.Version}}' 2>&1); then
    check docker ok "engine $v"
  else
    check docker fail "the daemon does not answer: ${v##*$'\n'}"
  fi
  if command -v docker >/dev/null && v=$(docker compose version --short 2>/dev/null) && [[ $v == [2-9]* ]]; then
    check compose ok "v$v"
  else
    check compose fail "docker compose v2 is not installed${v:+ (found $v)}"
  fi
  if mountpoint -q "$shared"; then
    check mount ok "$shared is mounted"
  elif [ -d "$shared" ]; then
    check mount fail "$shared is an empty directory, not a mount"
  else
    check mount fail "$shared does not exist"
  fi
  for name in "${names[@]}"; do
    if v=$(getent ahostsv4 "$name" 2>/dev/null) || v=$(getent hosts "$name" 2>/dev/null); then
      check dns ok "$name is ${v%% *}"
    else
      check dns fail "$name does not resolve on this host"
    fi
  done
  root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)
  for d in "$root" "${dirs[@]}"; do
    # The nearest directory that exists: a compose directory is made by the first deploy.
    while [ ! -d "$d" ] && [ "$d" != / ]; do d=${d%/*} && d=${d:-/}; done
    free=$(df -Pm "$d" 2>/dev/null | awk 'NR == 2 { print $4 }' || true)
    if [ -z "$free" ]; then
      check disk fail "cannot read the free space of $d"
    elif ((free < min_free_mb)); then
      check disk fail "$d has $free MB free (a deploy wants $min_free_mb MB)"
    else
      check disk ok "$d has $free MB free"
    fi
  done
}
