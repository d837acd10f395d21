# Stand-in 1Password vault ($LAB_DIR/op/vault.json) and shared storage ($LAB_DIR/shared).
# Secrets are generated once and kept across warm ups. Values reach jq through its environment,
# never its argv. The DB password and JWT secret carry a quote, a `$` and a space on purpose.
VAULT_FILE="$LAB_DIR/op/vault.json"

vault_up() {
  install -d -m 0700 "$LAB_DIR/op"
  if [[ -s $VAULT_FILE ]]; then
    chmod 0600 "$VAULT_FILE"
    return 0
  fi
  log "vault: generating $VAULT_FILE"
  local tmp="$VAULT_FILE.tmp"
  (
    umask 077
    export PG_PW="$(random_alnum 12)'\$$(random_alnum 6) $(random_alnum 6)"
    export JWT="$(random_alnum 24)\"\$($(random_alnum 6)) '$(random_alnum 12)"
    export BROKER="$(random_alnum 32)"
    export REG_PW="$(random_alnum 32)"
    jq -n '{desktop_session: true, vaults: {"ktrdr-lab": {
      postgres: {password: $ENV.PG_PW},
      backend: {jwt_secret: $ENV.JWT, broker_api_key: $ENV.BROKER},
      registry: {username: "ktrdr-ci", password: $ENV.REG_PW}}}}' >"$tmp"
  )
  mv "$tmp" "$VAULT_FILE"
}

# vault_get ITEM FIELD: print one value (used by the registry part; output stays in memory).
vault_get() { jq -er --arg i "$1" --arg f "$2" '.vaults["ktrdr-lab"][$i][$f]' "$VAULT_FILE"; }

vault_status() {
  if [[ -s $VAULT_FILE ]] && jq -e '.vaults["ktrdr-lab"].postgres.password' "$VAULT_FILE" >/dev/null 2>&1; then
    echo "vault: $VAULT_FILE"
  else
    echo "vault: missing"
    return 1
  fi
}

# Shared storage stands in for the NFS export; containers mount it at /mnt/shared.
# World-writable like a lab NFS share, so container users (postgres, workers) can write.
shared_up() {
  install -d -m 0755 "$LAB_DIR/shared"
  install -d -m 0777 "$LAB_DIR/shared/db-backups" "$LAB_DIR/shared/results"
}

shared_status() {
  if [[ -d $LAB_DIR/shared/db-backups && -d $LAB_DIR/shared/results ]]; then
    echo "shared: $LAB_DIR/shared"
  else
    echo "shared: missing"
    return 1
  fi
}
