# DNS: Debian's BIND (named) on $INFRA_ADDR:53, authoritative for the config's dns.zone, with an A record per
# lab host and one for the registry, and nothing else (no recursion: the lab has no way out). Every host and
# the workstation use it through their own /etc/resolv.conf; this machine's resolv.conf and hosts are untouched.
# Adding or removing a host rewrites the zone (a new serial) and restarts named (dns_reload).
DNS_DIR="$LAB_DIR/dns"

# resolv_conf DIR: the resolv.conf a host or the workstation gets. Up to 3 tries of 2 s: right after deploy-e2e
# (a host added and removed) a host's lookup of the registry once timed out at 1 s × 2 in CI, cause unknown.
resolv_conf() {
  printf 'search %s\nnameserver %s\noptions timeout:2 attempts:3\n' "$ZONE" "$INFRA_ADDR" >"$1/resolv.conf"
}

dns_zone() {
  local dir name serial previous
  serial=$(date +%s)
  previous=$(awk '/SOA/{print $7; exit}' "$DNS_DIR/db.zone" 2>/dev/null || true)
  [[ $previous =~ ^[0-9]+$ ]] && ((previous >= serial)) && serial=$((previous + 1))
  {
    printf '$TTL 30\n@ IN SOA ns.%s. hostmaster.%s. ( %s 60 30 600 5 )\n' "$ZONE" "$ZONE" "$serial"
    printf '@ IN NS ns.%s.\nns IN A %s\nregistry IN A %s\n' "$ZONE" "$INFRA_ADDR" "$INFRA_ADDR"
    for dir in "$HOSTS_DIR"/*/; do
      [[ -s $dir/addr ]] || continue
      name=$(basename "$dir")
      printf '%s IN A %s\n' "$name" "$(<"$dir/addr")"
    done
  } >"$DNS_DIR/db.zone.new"
  # named reloads a zone on SIGHUP only when its file is newer than the last load, compared in whole seconds:
  # a zone rewritten in the second of its last load (up, then add-host, on a fast run) looked unchanged and
  # was never loaded, however often it was asked. A time past the load makes every rewrite count.
  touch -d "@$((serial + 1))" "$DNS_DIR/db.zone.new"
  mv "$DNS_DIR/db.zone.new" "$DNS_DIR/db.zone"
}

dns_up() {
  install -d -m 0755 "$DNS_DIR"
  cat >"$DNS_DIR/named.conf" <<EOF
options {
  directory "$DNS_DIR";
  pid-file "$DNS_DIR/named.pid";
  session-keyfile "$DNS_DIR/session.key";
  managed-keys-directory "$DNS_DIR";
  listen-on port 53 { $INFRA_ADDR; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
  notify no;
};
controls { };
logging { channel lab { file "$DNS_DIR/named.log"; severity info; print-time yes; }; category default { lab; }; };
zone "$ZONE" { type primary; file "$DNS_DIR/db.zone"; };
EOF
  dns_zone
  if pid_alive "$DNS_DIR/named.pid" named; then
    kill -HUP "$(<"$DNS_DIR/named.pid")"
    return 0
  fi
  named-checkconf "$DNS_DIR/named.conf"
  log "dns: starting named on $INFRA_ADDR:53 for zone $ZONE"
  nsenter --net="/run/netns/$NET_NS" -- /usr/sbin/named -4 -c "$DNS_DIR/named.conf" \
    </dev/null >>"$DNS_DIR/named.out" 2>&1
  wait_for 10 dns_answers "$REGISTRY_NAME" >/dev/null || {
    tail -n 20 "$DNS_DIR/named.log" "$DNS_DIR/named.out" >&2
    die "named did not answer for $REGISTRY_NAME"
  }
}

# dns_answers NAME: the address BIND gives for NAME (asked from the workstation, as ssh and docker ask).
dns_answers() { in_ws dig +short +time=1 +tries=1 "@$INFRA_ADDR" "$1" A 2>/dev/null | grep -E '^[0-9.]+$'; }

# dns_reload NAME [ADDR]: after a host was added (ADDR) or removed; returns once BIND answers accordingly
# (each attempt a named started again on the zone as written).
dns_reload() {
  pid_alive "$DNS_DIR/named.pid" named || return 0
  # A SIGHUP reload proved unreliable here (a change missed on a loaded machine, and once, it seems, a zone
  # left unserved: every later name failed while the removed host's check passed). A new named loads the zone
  # file as it is: each attempt restarts it, and checks the registry's name as well as this host's.
  # An attempt that dies (named not stopping, or not answering once started) is retried too: in a subshell,
  # with errexit in force there (it would not be in an `if` or `||`).
  local attempt rc
  for attempt in 1 2 3; do
    set +e
    (
      set -e
      dns_restart
    )
    rc=$?
    set -e
    ((rc == 0)) && wait_for 10 dns_is "$1.$ZONE" "${2:-}" && dns_answers "$REGISTRY_NAME" >/dev/null && return 0
    log "dns: $1.$ZONE (or $REGISTRY_NAME) not answered as expected after restart $attempt; again"
  done
  tail -n 15 "$DNS_DIR/named.log" >&2 || true
  die "BIND did not take the new zone (see $DNS_DIR/named.log)"
}

# dns_restart: named stopped (its old process gone, so port 53 is free) and started again on the zone as written.
dns_restart() {
  local pid
  pid=$(cat "$DNS_DIR/named.pid" 2>/dev/null || true)
  stop_pid "$DNS_DIR/named.pid" named
  [ -z "$pid" ] || wait_for 10 pid_gone "$pid" || die "named (pid $pid) did not stop"
  dns_up
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

dns_is() { [[ $(dns_answers "$1" || true) == "$2" ]]; }

dns_status() {
  local a
  if pid_alive "$DNS_DIR/named.pid" named && a=$(dns_answers "$REGISTRY_NAME"); then
    echo "dns: up $INFRA_ADDR:53 zone $ZONE ($REGISTRY_NAME → $a)"
  else
    echo "dns: down"
    return 1
  fi
}

dns_down() { stop_pid "$DNS_DIR/named.pid" named; }
