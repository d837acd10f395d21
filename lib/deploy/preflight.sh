# Read-only checks on a host before anything is sent that changes it: docker, the compose v2 plugin, the
# daemon, the shared mount (lib/job/mount.sh); and what the host holds of the images the compose file names
# (`image <tags> | <repo digests>` events, see lib/deploy/pin.ts), with the pins its last complete deploy kept
# (`pin <ref> <repo@digest>`, from <compose dir>/deploys/pins). Variables, bound by lib/deploy/scripts.ts:
# shared, compose_dir, images=(). Every process counts here (~15 ms each on a busy host): one docker
# call, the rest builtins.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/scripts.ts (bind) ahead of this file

# Where the docker CLI finds plugins besides $DOCKER_CONFIG/cli-plugins.
ktrdr_compose_plugin_dirs=(/usr/local/lib/docker/cli-plugins /usr/local/libexec/docker/cli-plugins
  /usr/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins)

preflight() {
  local d compose=no held line ref pinned
  command -v docker >/dev/null || {
    ktrdr_event missing 'docker is not installed on this host'
    exit 1
  }
  # The plugin's file, where the docker CLI looks for it (running it costs ~0.3 s of CPU; `up` runs it soon).
  for d in "${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" "${ktrdr_compose_plugin_dirs[@]}"; do
    if [ -x "$d/docker-compose" ]; then
      compose=yes
      break
    fi
  done
  [ $compose = yes ] || {
    ktrdr_event missing 'the docker compose v2 plugin is not installed'
    exit 1
  }
  # The last complete deploy's pins: asked for too, as the host may hold an image by its digest only.
  if [ -n "$compose_dir" ] && [ -f "$compose_dir/deploys/pins" ]; then
    while read -r ref pinned; do
      [ -n "$pinned" ] || continue
      ktrdr_event pin "$ref $pinned"
      images+=("$pinned")
    done <"$compose_dir/deploys/pins"
  fi
  # One docker call asks the daemon both whether it answers and what it holds: an image it does not have is
  # its answer ("No such image"); anything else that fails means no daemon (for this user).
  if ((${#images[@]})); then
    if ! held=$(docker image inspect \
      -f '::ktrdr image {{range .RepoTags}} {{.}}{{end}} |{{range .RepoDigests}} {{.}}{{end}}' \
      "${images[@]}" 2>&1); then
      case $held in
        *'o such image'*) ;;
        *)
          ktrdr_event missing 'the docker daemon is not running (or this user may not use it)'
          exit 1
          ;;
      esac
    fi
    while IFS= read -r line; do if [[ $line == '::ktrdr image '* ]]; then printf '%s\n' "$line"; fi; done <<<"$held"
  elif ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    ktrdr_event missing 'the docker daemon is not running (or this user may not use it)'
    exit 1
  fi
  ktrdr_require_mount "$shared"
  ktrdr_event preflight ok
}
