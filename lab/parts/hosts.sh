# SSH hosts: one sshd per simulated LXC on <addr>:22 (all of 127/8 is local on Linux), own host
# key, pid file and VERBOSE log (-E) so tests can count connections. Key-only root login with the
# lab's client key. Each host has $LAB_DIR/hosts/<name>/opt; sessions get KTRDR_LAB_HOST,
# KTRDR_LAB_OPT, a per-host DOCKER_CONFIG so registry logins stay per host like separate LXCs, and a
# per-host HOME: this machine's own ~/.bashrc (bash sources it for every ssh command; here it runs
# `pyenv init`, ~1 s) is not the simulated host's, and would make every session cost what no LXC does.
SSH_DIR="$LAB_DIR/ssh"

client_key_up() {
  install -d -m 0700 "$SSH_DIR"
  [[ -s $SSH_DIR/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C ktrdr-lab-client -f "$SSH_DIR/id_ed25519"
  install -m 0600 "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
  install -d -m 0755 /run/sshd # sshd's privilege separation dir
}

# host_up NAME ADDR: configure (once) and start (if not running) one host.
host_up() {
  local name=$1 addr=$2 dir="$LAB_DIR/hosts/$1"
  [[ $name =~ ^[a-z0-9-]+$ ]] || die "host name '$name' must match [a-z0-9-]+"
  [[ $addr =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "host address '$addr' must be in 127.0.0.0/8"
  if [[ -s $dir/addr && $(<"$dir/addr") != "$addr" ]]; then
    die "host $name already exists at $(<"$dir/addr"); run 'lab.sh rm-host $name' first"
  fi
  install -d -m 0755 "$dir" "$dir/opt"
  install -d -m 0700 "$dir/docker" "$dir/home"
  echo "$addr" >"$dir/addr"
  [[ -s $dir/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/ssh_host_ed25519_key"
  cat >"$dir/sshd_config.new" <<EOF
ListenAddress $addr:22
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The lab dir may sit under /tmp (world-writable) in tests; the key files themselves are 0600.
StrictModes no
LogLevel VERBOSE
MaxSessions 32
MaxStartups 64:30:128
SetEnv KTRDR_LAB_HOST=$name KTRDR_LAB_OPT=$dir/opt DOCKER_CONFIG=$dir/docker HOME=$dir/home
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
  local i
  for ((i = 0; i < 20; i++)); do
    pid_alive "$dir/sshd.pid" sshd && return 0
    [[ -e $dir/sshd.pid ]] || break
    sleep 0.1
  done
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  log "host $name: starting sshd on $addr:22"
  setsid /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null
  for ((i = 0; i < 50; i++)); do
    pid_alive "$dir/sshd.pid" sshd && return 0
    sleep 0.1
  done
  die "sshd for $name did not start; see $dir/sshd.log"
}

# Regenerate ssh_config and known_hosts from every host dir.
ssh_client_config() {
  local dir name addr
  : >"$SSH_DIR/known_hosts.tmp"
  : >"$SSH_DIR/ssh_config.tmp"
  for dir in "$LAB_DIR"/hosts/*/; do
    [[ -s $dir/addr ]] || continue
    name=$(basename "$dir")
    addr=$(<"$dir/addr")
    echo "$name,$addr $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$SSH_DIR/known_hosts.tmp"
    cat >>"$SSH_DIR/ssh_config.tmp" <<EOF
Host $name
  HostName $addr
  Port 22
  User root
  IdentityFile $SSH_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SSH_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5

EOF
  done
  mv "$SSH_DIR/known_hosts.tmp" "$SSH_DIR/known_hosts"
  mv "$SSH_DIR/ssh_config.tmp" "$SSH_DIR/ssh_config"
}

hosts_up() {
  client_key_up
  local h dir
  for h in "${DEFAULT_HOSTS[@]}"; do host_up $h; done
  for dir in "$LAB_DIR"/hosts/*/; do # hosts added earlier with add-host
    [[ -s $dir/addr ]] && host_up "$(basename "$dir")" "$(<"$dir/addr")"
  done
  ssh_client_config
}

host_add() {
  client_key_up
  host_up "$@"
  ssh_client_config
}

host_rm() {
  local dir="$LAB_DIR/hosts/$1"
  [[ -d $dir ]] || die "no lab host '$1'"
  stop_pid "$dir/sshd.pid" sshd
  rm -rf "$dir"
  ssh_client_config
}

hosts_status() {
  local dir name addr rc=0
  for dir in "$LAB_DIR"/hosts/*/; do
    [[ -s $dir/addr ]] || continue
    name=$(basename "$dir")
    addr=$(<"$dir/addr")
    if ! pid_alive "$dir/sshd.pid" sshd; then
      echo "$name: down $addr:22"
      rc=1
    elif ssh -F "$SSH_DIR/ssh_config" "$name" true </dev/null 2>/dev/null; then
      echo "$name: up $addr:22 (ssh ok)"
    else
      echo "$name: up $addr:22 (ssh FAILED)"
      rc=1
    fi
  done
  [[ -d $LAB_DIR/hosts ]] || { echo "hosts: none"; rc=1; }
  return $rc
}

hosts_down() {
  local dir
  for dir in "$LAB_DIR"/hosts/*/; do
    [[ -e $dir/sshd.pid ]] && stop_pid "$dir/sshd.pid" sshd
  done
  return 0
}
