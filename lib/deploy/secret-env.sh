# What a container holds of the secrets it was given, against the values exported in this shell (the deploy's,
# or make status SECRETS=1's), compared here in memory: only names ever leave. Variables: secret_env=()
# ("<service> <NAME>" for each secret a service takes from the shell's env, as lib/deploy/host-record.ts's
# secretEnvLines renders them). A value holding \x1e or \x1f (the separators of the env read) never matches.
# shellcheck disable=SC2154 # secret_env is bound by lib/deploy/scripts.ts or lib/status/remote.ts

# secret_env_mismatch SERVICE ENV: one line per secret SERVICE takes whose exported value ENV (a container's
# env entries, each after a \x1f) does not hold: its NAME; nothing when all match.
secret_env_mismatch() {
  local entry name
  for entry in "${secret_env[@]}"; do
    [ "${entry%% *}" = "$1" ] || continue
    name=${entry#* }
    if [[ ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!name+set}" ]; then
      printf '%s\n' "$name"
      continue
    fi
    case $'\x1f'"$2"$'\x1f' in *$'\x1f'"$name=${!name}"$'\x1f'*) ;; *) printf '%s\n' "$name" ;; esac
  done
}

# secret_env_matches SERVICE ENV: true when ENV holds the exported value of every secret SERVICE takes (what
# secret_env_mismatch would print nothing for), without a subshell.
secret_env_matches() {
  local entry name
  for entry in "${secret_env[@]}"; do
    [ "${entry%% *}" = "$1" ] || continue
    name=${entry#* }
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && [ -n "${!name+set}" ] || return 1
    case $'\x1f'"$2"$'\x1f' in *$'\x1f'"$name=${!name}"$'\x1f'*) ;; *) return 1 ;; esac
  done
}
