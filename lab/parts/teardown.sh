# Removal of what the lab (and tests using it) created inside docker and in the kernel's mount
# table. Only labelled objects, the lab's compose projects and the lab's image names are touched.
LAB_PROJECT_RE='^(ktrdr-core|ktrdr-workers-[a-z0-9-]+)$'

# Compose project names found on containers, networks and volumes that belong to the lab.
lab_projects() {
  {
    docker ps -a --format '{{.Label "com.docker.compose.project"}}'
    docker network ls --format '{{.Label "com.docker.compose.project"}}'
    docker volume ls --format '{{.Label "com.docker.compose.project"}}'
  } | grep -E "$LAB_PROJECT_RE" | sort -u || true
}

docker_objects_down() {
  docker_answers || return 0
  local filters=(--filter label=ktrdr.lab=1) p ids
  for p in $(lab_projects); do filters+=(--filter "label=com.docker.compose.project=$p"); done
  # A filter list of several labels is an AND, so query each filter on its own.
  local f
  for ((f = 1; f < ${#filters[@]}; f += 2)); do
    ids=$(docker ps -aq "${filters[@]:f-1:2}")
    [[ -z $ids ]] || { log "docker: removing containers ${filters[f]}"; docker rm -f -v $ids >/dev/null; }
  done
  for ((f = 1; f < ${#filters[@]}; f += 2)); do
    ids=$(docker network ls -q "${filters[@]:f-1:2}")
    [[ -z $ids ]] || docker network rm $ids >/dev/null
    ids=$(docker volume ls -q "${filters[@]:f-1:2}")
    [[ -z $ids ]] || docker volume rm -f $ids >/dev/null
  done
  # Images: the names the lab uses (ktrdr-lab/*) and everything pushed to the lab registry. Not by
  # label: images built FROM a lab image inherit its labels, and they belong to their builders.
  local refs
  refs=$(docker images --format '{{.Repository}}:{{.Tag}}' |
    grep -E '^(ktrdr-lab/|127\.0\.0\.1:5000/)' | grep -v ':<none>$' || true)
  [[ -z $refs ]] || { log "docker: removing images $(echo $refs)"; docker rmi -f $refs >/dev/null; }
}

# $LAB_DIR/mounts.list: "mountpoint loopdev" per line, registered by the snapshot tests.
mounts_down() {
  local list="$LAB_DIR/mounts.list" mnt dev
  [[ -s $list ]] || return 0
  while read -r mnt dev; do
    [[ -n $mnt ]] || continue
    if mountpoint -q "$mnt"; then log "umount $mnt"; umount "$mnt"; fi
    if [[ -n $dev ]] && losetup "$dev" >/dev/null 2>&1; then log "losetup -d $dev"; losetup -d "$dev"; fi
  done < <(tac "$list") # reverse order: nested mounts first
}

lab_dir_down() {
  [[ -d $LAB_DIR ]] || return 0
  [[ -e $LAB_MARKER ]] || die "$LAB_DIR has no .ktrdr-lab marker; refusing to delete it"
  case $LAB_DIR in /|/var|/var/lib|/root|/home|/tmp|"") die "refusing to delete '$LAB_DIR'" ;; esac
  rm -rf --one-file-system "$LAB_DIR"
}
