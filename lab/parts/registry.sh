# Registry: Debian's docker-registry (distribution 2.8) on plain http 127.0.0.1:5000, htpasswd
# (bcrypt) auth. The password lives only in the vault; htpasswd gets it on stdin, curl through -K -.
REG_DIR="$LAB_DIR/registry"
REG_ADDR=127.0.0.1:5000

registry_up() {
  install -d -m 0700 "$REG_DIR" "$REG_DIR/data"
  local user
  user=$(vault_get registry username)
  if ! vault_get registry password | htpasswd -v -i "$REG_DIR/htpasswd" "$user" >/dev/null 2>&1; then
    log "registry: writing bcrypt htpasswd for $user"
    vault_get registry password | htpasswd -B -i -c "$REG_DIR/htpasswd" "$user" 2>/dev/null
    stop_pid "$REG_DIR/registry.pid" docker-registry # reload credentials
  fi
  if [[ ! -s $REG_DIR/config.yml ]]; then
    cat >"$REG_DIR/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: $REG_ADDR
  secret: $(random_alnum 32)
auth:
  htpasswd:
    realm: ktrdr-lab
    path: $REG_DIR/htpasswd
EOF
  fi
  pid_alive "$REG_DIR/registry.pid" docker-registry && return 0
  log "registry: starting on $REG_ADDR"
  setsid /usr/bin/docker-registry serve "$REG_DIR/config.yml" </dev/null >>"$REG_DIR/registry.log" 2>&1 &
  echo $! >"$REG_DIR/registry.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    registry_auth_ok && return 0
    sleep 0.2
  done
  tail -n 20 "$REG_DIR/registry.log" >&2
  die "registry did not answer on $REG_ADDR"
}

# True when an anonymous /v2/ is refused (401) and the vault's credentials are accepted (200).
registry_auth_ok() {
  local anon authed
  anon=$(curl -s -o /dev/null -w '%{http_code}' "http://$REG_ADDR/v2/" || true)
  [[ $anon == 401 ]] || return 1
  authed=$(printf 'user = "%s:%s"\n' "$(vault_get registry username)" "$(vault_get registry password)" |
    curl -s -o /dev/null -w '%{http_code}' -K - "http://$REG_ADDR/v2/" || true)
  [[ $authed == 200 ]]
}

registry_status() {
  if ! pid_alive "$REG_DIR/registry.pid" docker-registry; then
    echo "registry: down"
    return 1
  fi
  if registry_auth_ok; then
    echo "registry: up $REG_ADDR (auth ok)"
  else
    echo "registry: up $REG_ADDR (auth FAILED)"
    return 1
  fi
}

registry_down() { stop_pid "$REG_DIR/registry.pid" docker-registry; }
