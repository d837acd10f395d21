# Stand-in 1Password vault ($LAB_DIR/op/vault.json).
# Secrets are generated once and kept across warm ups. Values reach jq through its environment,
# never its argv. Every password carries quotes, a `$` and a space on purpose, the registry's a backslash too.
VAULT_FILE="$LAB_DIR/op/vault.json"

vault_up() {
  install -d -m 0700 "$LAB_DIR/op"
  if [[ -s $VAULT_FILE ]]; then
    chmod 0600 "$VAULT_FILE"
    return 0
  fi
  log "vault: generating $VAULT_FILE"
  local tmp="$VAULT_FILE.tmp"
  # shellcheck disable=SC2089,SC2090 # the quotes, backslash and $ are meant literally: hostile values on purpose
  (
    umask 077
    PG_PW="$(random_alnum 12)'\$$(random_alnum 6) $(random_alnum 6)"
    JWT="$(random_alnum 24)\"\$($(random_alnum 6)) '$(random_alnum 12)"
    BROKER="$(random_alnum 32)"
    REG_PW="$(random_alnum 16)\"\\'\$ $(random_alnum 16)"
    export PG_PW JWT BROKER REG_PW
    jq -n '{desktop_session: true, vaults: {"ktrdr-lab": {
      postgres: {password: $ENV.PG_PW},
      backend: {jwt_secret: $ENV.JWT, broker_api_key: $ENV.BROKER},
      registry: {username: "ktrdr-ci", password: $ENV.REG_PW}}}}' >"$tmp"
  )
  mv "$tmp" "$VAULT_FILE"
}

# vault_get ITEM FIELD: print one value (used by the registry part; output stays in memory).
vault_get() { jq -ej --arg i "$1" --arg f "$2" '.vaults["ktrdr-lab"][$i][$f]' "$VAULT_FILE"; }

vault_status() {
  if [[ -s $VAULT_FILE ]] && jq -e '.vaults["ktrdr-lab"].postgres.password' "$VAULT_FILE" >/dev/null 2>&1; then
    echo "vault: $VAULT_FILE"
  else
    echo "vault: missing"
    return 1
  fi
}
