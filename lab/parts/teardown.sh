# Removal of what the lab (and tests using it) created: every host's and the workstation's containers,
# engine, sshd and namespaces (and with them their veths, mounts and iptables), the infrastructure
# processes, the switch, mounts the tests registered, the cgroups the engines made, then $LAB_DIR.
# This machine's own namespace never had an address, a rule or a mount of the lab's.

# $LAB_DIR/mounts.list: "mountpoint loopdev" per line, registered by tests (unmounted and detached in reverse).
mounts_down() {
  local list="$LAB_DIR/mounts.list" mnt dev
  [[ -s $list ]] || return 0
  while read -r mnt dev; do
    [[ -n $mnt ]] || continue
    if mountpoint -q "$mnt"; then
      log "umount $mnt"
      umount "$mnt"
    fi
    if [[ -n $dev ]] && losetup "$dev" >/dev/null 2>&1; then
      log "losetup -d $dev"
      losetup -d "$dev"
    fi
  done < <(tac "$list")
}

# The Prometheus textfile the lab core's jobs write (monitoring.textfile): the hosts share this machine's file
# system outside their mounts, so it is here.
textfile_down() {
  local f
  f=$(config_value stack-config.yml monitoring.textfile)
  [[ -z $f || ! -f $f ]] || rm -f -- "$f"
}

lab_dir_down() {
  [[ -d $LAB_DIR ]] || return 0
  [[ -e $LAB_MARKER ]] || die "$LAB_DIR has no .ktrdr-lab marker; refusing to delete it"
  case $LAB_DIR in / | /var | /var/lib | /root | /home | /tmp | "") die "refusing to delete '$LAB_DIR'" ;; esac
  rm -rf --one-file-system "$LAB_DIR"
}

# What is left of the lab, one word per kind (empty when nothing): for status after down and the selftest.
leftovers() {
  local left=() ns
  for ns in "$NET_NS" "$WS_NAME" "${DEFAULT_HOSTS[@]%% *}" "${RESERVED_HOST%% *}"; do
    netns_exists "$ns" && left+=("netns:$ns")
  done
  pgrep -f "ktrdr-lab-$LAB_ID-" >/dev/null && left+=(dockerd)
  compgen -G "/sys/fs/cgroup/*/ktrdr-lab-$LAB_ID-*" >/dev/null && left+=(cgroups)
  [[ -d $LAB_DIR ]] && left+=(lab-dir)
  echo "${left[*]}"
}
