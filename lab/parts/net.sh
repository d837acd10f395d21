# The lab's network and its namespaces. The switch is a namespace of its own ($NET_NS) holding the bridge
# br0 and the infrastructure address: this machine's own namespace and its firewall are never involved
# (docker's FORWARD policy there would drop bridged traffic). Each host or workstation is a network
# namespace named for it, with eth0 on the bridge, plus a mount and UTS namespace held by an anchor process
# (lab/parts/anchor.sh) that gives it its own /run, /tmp, /opt, /root, /etc/docker, /etc/resolv.conf, ….

netns_exists() { [[ -e /run/netns/$1 ]]; }

net_up() {
  netns_exists "$NET_NS" && ip -n "$NET_NS" link show br0 >/dev/null 2>&1 && return 0
  log "net: switch namespace $NET_NS, bridge br0 $INFRA_ADDR/24"
  netns_exists "$NET_NS" || ip netns add "$NET_NS"
  ip -n "$NET_NS" link set lo up
  ip -n "$NET_NS" link add br0 type bridge
  ip -n "$NET_NS" addr add "$INFRA_ADDR/24" dev br0
  ip -n "$NET_NS" link set br0 up
}

net_status() {
  if netns_exists "$NET_NS" && ip -n "$NET_NS" -br addr show br0 2>/dev/null | grep -q "$INFRA_ADDR/24"; then
    echo "net: up $NET_PREFIX.0/24 (switch $NET_NS, bridge br0 $INFRA_ADDR)"
  else
    echo "net: down"
    return 1
  fi
}

# link_up NAME ADDR: NAME's network namespace with eth0 = ADDR/24, its peer kl<last octet> on the bridge.
# Only the bridge's subnet is routed: there is no default route out of any lab namespace.
link_up() {
  local name=$1 addr=$2 port=kl${2##*.}
  netns_exists "$name" || ip netns add "$name"
  ip -n "$name" link show eth0 >/dev/null 2>&1 && return 0
  ip -n "$NET_NS" link add "$port" type veth peer name eth0 netns "$name"
  ip -n "$NET_NS" link set "$port" master br0 up
  # A MAC made from the address: a host removed and added again keeps it, so no neighbour's ARP cache is stale.
  ip -n "$name" link set eth0 address "$(printf '02:18:50:00:00:%02x' "${addr##*.}")"
  ip -n "$name" addr add "$addr/24" dev eth0
  ip -n "$name" link set eth0 up
  ip -n "$name" link set lo up
}

# anchor_up NAME KIND DIR: the mount + UTS namespace of NAME (KIND host or ws), held by a sleep whose pid
# anchor.sh writes to DIR/anchor.pid once its mounts are in place.
anchor_up() {
  local name=$1 kind=$2 dir=$3
  pid_alive "$dir/anchor.pid" sleep && return 0
  rm -f "$dir/anchor.pid"
  local binds=()
  [[ $kind == ws ]] || mapfile -t binds < <(host_binds "$name" | tr ' ' '\n')
  setsid nsenter --net="/run/netns/$name" -- unshare --mount --uts --propagation private -- \
    bash "$LAB_ROOT/parts/anchor.sh" "$kind" "$name" "$dir" "${binds[@]}" </dev/null >>"$dir/anchor.log" 2>&1 &
  wait_for 10 test -s "$dir/anchor.pid" || {
    tail -n 5 "$dir/anchor.log" >&2
    die "the namespaces of $name did not come up (see $dir/anchor.log)"
  }
}

# ns_pids NAME: every process whose network namespace is NAME's (what must be gone before it is deleted).
ns_pids() {
  local want pid
  want=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
  for pid in /proc/[0-9]*; do
    [[ $(stat -L -c %i "$pid/ns/net" 2>/dev/null) == "$want" ]] && echo "${pid#/proc/}"
  done
  return 0
}

# ns_down NAME: kill what still runs in NAME's namespace, then delete it (its veth pair goes with it).
ns_down() {
  local name=$1 pids i
  netns_exists "$name" || return 0
  for i in 1 2 3; do
    pids=$(ns_pids "$name")
    [[ -n $pids ]] || break
    # shellcheck disable=SC2086 # one pid per word
    kill -9 $pids 2>/dev/null || true
    sleep 0.2
  done
  ip netns del "$name"
}

net_down() { ns_down "$NET_NS"; }
