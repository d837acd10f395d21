# Registry: Debian's docker-registry (distribution 2.8) on https://$REGISTRY_NAME (port 443 on $INFRA_ADDR),
# with token auth as GHCR does it: /v2/ answers 401 with a Bearer challenge whose realm is the lab's token
# service (lab/token-service.mjs, https://$REGISTRY_NAME:5001/token). The registry password lives in the vault
# and reaches the token service's users file as a scrypt hash, through stdin; checks send it in a header
# built by builtins (printf), never in argv or a curl config line.
REG_DIR="$LAB_DIR/registry"
TOKEN_DIR="$LAB_DIR/token"
TOKEN_PORT=5001
TOKEN_REALM="https://$REGISTRY_NAME:$TOKEN_PORT/token"

token_up() {
  install -d -m 0700 "$TOKEN_DIR"
  local user
  user=$(vault_get registry username)
  printf '%s:%s\n' "$user" "$(vault_get registry password | node "$LAB_ROOT/token-service.mjs" hash)" \
    >"$TOKEN_DIR/users.new"
  mv "$TOKEN_DIR/users.new" "$TOKEN_DIR/users"
  cat >"$TOKEN_DIR/config.json" <<EOF
{"host": "$INFRA_ADDR", "port": $TOKEN_PORT, "key": "$PKI_DIR/registry.key", "cert": "$PKI_DIR/registry.crt",
 "signerKey": "$PKI_DIR/token-signer.key", "signerCert": "$PKI_DIR/token-signer.crt",
 "issuer": "ktrdr-lab-token-service", "service": "$REGISTRY_NAME", "usersFile": "$TOKEN_DIR/users",
 "policyFile": "$TOKEN_DIR/policy.json", "logFile": "$TOKEN_DIR/token.log", "pidFile": "$TOKEN_DIR/token.pid"}
EOF
  pid_alive "$TOKEN_DIR/token.pid" ktrdr-token && return 0
  log "registry: token service on $TOKEN_REALM"
  nsenter --net="/run/netns/$NET_NS" -- setsid node "$LAB_ROOT/token-service.mjs" serve "$TOKEN_DIR/config.json" \
    </dev/null >>"$TOKEN_DIR/token.out" 2>&1 &
  wait_for 10 pid_alive "$TOKEN_DIR/token.pid" ktrdr-token || {
    tail -n 20 "$TOKEN_DIR/token.out" >&2
    die "the token service did not start"
  }
}

registry_up() {
  install -d -m 0700 "$REG_DIR" "$REG_DIR/data"
  token_up
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
  addr: $INFRA_ADDR:443
  secret: $(random_alnum 32)
  tls:
    certificate: $PKI_DIR/registry.crt
    key: $PKI_DIR/registry.key
auth:
  token:
    realm: $TOKEN_REALM
    service: $REGISTRY_NAME
    issuer: ktrdr-lab-token-service
    rootcertbundle: $PKI_DIR/token-signer.crt
EOF
  fi
  pid_alive "$REG_DIR/registry.pid" docker-registry && return 0
  log "registry: starting on https://$REGISTRY_NAME ($INFRA_ADDR:443)"
  nsenter --net="/run/netns/$NET_NS" -- setsid /usr/bin/docker-registry serve "$REG_DIR/config.yml" \
    </dev/null >>"$REG_DIR/registry.log" 2>&1 &
  echo $! >"$REG_DIR/registry.pid"
  wait_for 15 registry_auth_ok || {
    tail -n 20 "$REG_DIR/registry.log" >&2
    die "the registry did not answer on https://$REGISTRY_NAME"
  }
}

# basic_header: "Authorization: Basic …" for the vault's registry credentials (builtins and base64's stdin).
basic_header() {
  printf 'Authorization: Basic %s' "$(printf '%s:%s' "$(vault_get registry username)" "$(vault_get registry password)" |
    base64 -w0)"
}

# True when an anonymous /v2/ gets the Bearer challenge, the token service gives the vault's credentials a
# token, and the registry accepts it. Asked from the workstation, by name, trusting only the lab CA.
registry_auth_ok() {
  local challenge token
  challenge=$(in_ws curl -s -o /dev/null -D - --cacert "$CA_CRT" "https://$REGISTRY_NAME/v2/" 2>/dev/null |
    tr -d '\r' | sed -n 's/^[Ww]ww-[Aa]uthenticate: //p')
  [[ $challenge == "Bearer realm=\"$TOKEN_REALM\""* ]] || return 1
  token=$(basic_header | in_ws curl -sf --cacert "$CA_CRT" -H @- "$TOKEN_REALM?service=$REGISTRY_NAME" 2>/dev/null |
    jq -r .token 2>/dev/null) || return 1
  [[ -n $token && $token != null ]] || return 1
  printf 'Authorization: Bearer %s' "$token" |
    in_ws curl -sf -o /dev/null --cacert "$CA_CRT" -H @- "https://$REGISTRY_NAME/v2/" 2>/dev/null
}

registry_status() {
  if ! pid_alive "$REG_DIR/registry.pid" docker-registry || ! pid_alive "$TOKEN_DIR/token.pid" ktrdr-token; then
    echo "registry: down"
    return 1
  fi
  if registry_auth_ok; then
    echo "registry: up https://$REGISTRY_NAME (TLS, token auth ok)"
  else
    echo "registry: up https://$REGISTRY_NAME (token auth FAILED)"
    return 1
  fi
}

registry_down() {
  stop_pid "$REG_DIR/registry.pid" docker-registry
  stop_pid "$TOKEN_DIR/token.pid" ktrdr-token
}
