# Lab hosts, each an LXC stand-in: its own network namespace on the bridge, mount and UTS namespace
# (anchor.sh), Docker engine (dockerd.sh) and sshd on <addr>:22 (own host key, pid file and VERBOSE log so
# tests can count connections; key-only root login with the lab's client key in the host's own
# /root/.ssh/authorized_keys). The workstation (ws) is set up the same way without sshd. The ssh client
# config and known_hosts name each host by its DNS name and address, as an operator's ~/.ssh would.
SSH_DIR="$LAB_DIR/ssh"

client_key_up() {
  install -d -m 0700 "$SSH_DIR"
  [[ -s $SSH_DIR/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C ktrdr-lab-client -f "$SSH_DIR/id_ed25519"
}

# host_check NAME ADDR: refuse a name that is not a DNS label, an address outside the lab's range or taken.
host_check() {
  local name=$1 addr=$2 dir
  [[ $name =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] ||
    die "host name '$name' is not a DNS label (lowercase letters, digits and inner dashes, at most 63)"
  [[ $RESERVED_NAMES != *" $name "* ]] || die "host name '$name' is the lab's own; pick another"
  [[ $addr =~ ^${NET_PREFIX//./\\.}\.([0-9]{1,3})$ ]] && ((BASH_REMATCH[1] >= 10 && BASH_REMATCH[1] <= 254)) ||
    die "host address '$addr' is outside the lab's hosts range $NET_PREFIX.10-254"
  [[ -s $HOSTS_DIR/$name/addr && $(<"$HOSTS_DIR/$name/addr") != "$addr" ]] &&
    die "host $name already exists at $(<"$HOSTS_DIR/$name/addr"); run 'lab.sh rm-host $name' first"
  for dir in "$HOSTS_DIR"/*/; do
    [[ -s $dir/addr && $(<"$dir/addr") == "$addr" && $(basename "$dir") != "$name" ]] &&
      die "address $addr is taken by lab host $(basename "$dir")"
  done
  return 0
}

# ns_dirs DIR: what a host's namespaces bind-mount, and its resolver and CA trust.
ns_dirs() {
  install -d -m 0755 "$1" "$1/etc-docker"
  resolv_conf "$1"
  trust_ca "$1"
}

# host_up NAME ADDR: make (once) and start (what is not running) one host.
host_up() {
  local name=$1 addr=$2 dir="$HOSTS_DIR/$1"
  host_check "$name" "$addr"
  ns_dirs "$dir"
  install -d -m 0755 "$dir/opt"
  install -d -m 0700 "$dir/home" "$dir/home/.ssh"
  install -m 0600 "$SSH_DIR/id_ed25519.pub" "$dir/home/.ssh/authorized_keys"
  echo "$addr" >"$dir/addr"
  [[ -s $dir/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/ssh_host_ed25519_key"
  link_up "$name" "$addr"
  anchor_up "$name" host "$dir"
  shared_mount_up "$name" "$dir"
  engine_start "$name" "$dir"
  sshd_up "$name" "$addr" "$dir"
}

sshd_up() {
  local name=$1 addr=$2 dir=$3
  cat >"$dir/sshd_config.new" <<EOF
ListenAddress $addr:22
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
LogLevel VERBOSE
MaxSessions 32
MaxStartups 64:30:128
Subsystem sftp internal-sftp
EOF
  if cmp -s "$dir/sshd_config.new" "$dir/sshd_config"; then
    rm "$dir/sshd_config.new"
  else
    mv "$dir/sshd_config.new" "$dir/sshd_config"
    if pid_alive "$dir/sshd.pid" sshd; then
      log "host $name: config changed, reloading sshd"
      kill -HUP "$(<"$dir/sshd.pid")"
      sleep 0.5 # sshd re-execs itself and rewrites its pid file
    fi
  fi
  pid_alive "$dir/sshd.pid" sshd && return 0
  in_ns "$dir" /usr/sbin/sshd -t -f "$dir/sshd_config"
  log "host $name: starting sshd on $addr:22"
  in_ns "$dir" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null
  wait_for 10 pid_alive "$dir/sshd.pid" sshd || die "sshd for $name did not start; see $dir/sshd.log"
}

# Regenerate the ssh client config and known_hosts from every host dir.
ssh_client_config() {
  local dir name
  : >"$SSH_DIR/known_hosts.tmp"
  for dir in "$HOSTS_DIR"/*/; do
    [[ -s $dir/addr ]] || continue
    name=$(basename "$dir")
    echo "$name.$ZONE,$(<"$dir/addr") $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$SSH_DIR/known_hosts.tmp"
  done
  cat >"$SSH_DIR/ssh_config.tmp" <<EOF
# The lab's hosts, by the names BIND gives them (and by address, for when DNS is down): written by lab.sh.
Host *.$ZONE $NET_PREFIX.*
  User root
  IdentityFile $SSH_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SSH_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
EOF
  mv "$SSH_DIR/known_hosts.tmp" "$SSH_DIR/known_hosts"
  mv "$SSH_DIR/ssh_config.tmp" "$SSH_DIR/ssh_config"
}

# Every host dir: the defaults, then those added earlier with add-host.
host_list() {
  local h dir
  for h in "${DEFAULT_HOSTS[@]}"; do echo "$h"; done
  for dir in "$HOSTS_DIR"/*/; do
    [[ -s $dir/addr ]] || continue
    printf '%s %s\n' "$(basename "$dir")" "$(<"$dir/addr")"
  done | sort -u -k1,1
}

hosts_up() {
  client_key_up
  local name addr
  while read -r name addr; do host_up "$name" "$addr"; done < <(host_list | sort -u)
  ssh_client_config
}

ws_up() {
  ns_dirs "$WS_DIR"
  link_up "$WS_NAME" "$WS_ADDR"
  anchor_up "$WS_NAME" ws "$WS_DIR"
  engine_start "$WS_NAME" "$WS_DIR"
}

engines_wait() {
  local dir
  engine_wait "$WS_NAME" "$WS_DIR"
  for dir in "$HOSTS_DIR"/*/; do [[ -s $dir/addr ]] && engine_wait "$(basename "$dir")" "$dir"; done
  return 0
}

host_add() {
  client_key_up
  host_up "$@"
  engine_wait "$1" "$HOSTS_DIR/$1"
  ssh_client_config
  dns_reload "$1" "$2"
}

host_rm() {
  local dir="$HOSTS_DIR/$1"
  [[ -d $dir ]] || die "no lab host '$1'"
  host_down "$1" "$dir"
  rm -rf --one-file-system "$dir"
  ssh_client_config
  dns_reload "$1"
}

# host_down NAME DIR: containers, engine, sshd, anything else left in its namespaces, then the namespaces.
host_down() {
  engine_down "$1" "$2"
  stop_pid "$2/sshd.pid" sshd
  stop_pid "$2/anchor.pid" sleep
  ns_down "$1"
}

# host_pull DIR: the host logs in to the registry (password on stdin, a tmpfs DOCKER_CONFIG removed after) and
# pulls the probe image: its engine, DNS, the lab CA and the token flow, all at once.
host_pull() {
  # shellcheck disable=SC2016 # expanded by the host's shell
  vault_get registry password | in_ns "$1" bash -c 'set -e
    export DOCKER_CONFIG=$(mktemp -d /dev/shm/lab-status.XXXXXX); trap '\''rm -rf "$DOCKER_CONFIG"'\'' EXIT
    docker login -u "$1" --password-stdin "$2" >/dev/null 2>&1 && docker pull -q "$3" >/dev/null 2>&1' \
    _ "$(vault_get registry username)" "$REGISTRY_NAME" "$PROBE_IMAGE"
}

# The parts of a host that lab-status checks: each takes DIR NAME ADDR.
host_ssh_ok() {
  pid_alive "$1/sshd.pid" sshd && in_ws ssh -F "$SSH_DIR/ssh_config" "root@$2.$ZONE" true </dev/null 2>/dev/null
}
host_dns_ok() { [[ $(dns_answers "$2.$ZONE") == "$3" ]]; }
host_mount_ok() { in_ns "$1" mountpoint -q "$SHARED_HOST_PATH"; }
host_pull_ok() { host_pull "$1"; }

# hosts_status: one line per host — ssh by name from the workstation, the host's DNS answer, the shared
# mount, a pull from the registry, its engine and the engine's memory; non-zero when any part is down.
hosts_status() {
  local dir name addr rc=0 part parts engine
  [[ -d $HOSTS_DIR ]] || {
    echo "hosts: none"
    return 1
  }
  for dir in "$HOSTS_DIR"/*/; do
    [[ -s $dir/addr ]] || continue
    dir=${dir%/} name=$(basename "$dir") addr=$(<"$dir/addr")
    if ! pid_alive "$dir/anchor.pid" sleep; then
      echo "$name: down (no namespaces)"
      rc=1
      continue
    fi
    parts=()
    for part in ssh dns mount pull; do
      if "host_${part}_ok" "$dir" "$name" "$addr"; then parts+=("$part ok,"); else
        parts+=("$part FAILED,")
        rc=1
      fi
    done
    engine=$(engine_status "$name" "$dir") || rc=1
    echo "$name: $addr ${parts[*]} engine $engine"
  done
  return $rc
}

hosts_down() {
  local dir
  for dir in "$HOSTS_DIR"/*/; do
    [[ -d $dir ]] && host_down "$(basename "$dir")" "${dir%/}"
  done
  return 0
}

ws_down() { host_down "$WS_NAME" "$WS_DIR"; }
