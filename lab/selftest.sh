#!/usr/bin/env bash
# End-to-end check of lab.sh up/up/down inside private mount and network namespaces (own /run, so own
# netns names), so a shared lab and other people's containers are untouched. Needs the rootfs cache
# (/var/cache/ktrdr-lab, filled by one real `lab.sh up`) and ~2 min. Run as root:
#   unshare --mount --net --propagation private lab/selftest.sh
# It plants what down must remove (containers and a compose project on a host's own engine, a btrfs loop
# mount on a host, a host added with add-host) and reports what is left after down: namespaces, links,
# processes, mounts, the loop device, iptables rules, the lab dir.
set -euo pipefail
[[ $(readlink /proc/self/ns/net) != $(readlink /proc/1/ns/net) ]] ||
  {
    echo "run inside: unshare --mount --net --propagation private $0" >&2
    exit 1
  }
W=$(mktemp -d /var/tmp/ktrdr-selftest.XXXXXX)
ip link set lo up
mount -t tmpfs tmpfs /run
export KTRDR_LAB_DIR=$W/lab
LAB=$(dirname "$(readlink -f "$0")")/lab.sh L=$KTRDR_LAB_DIR
trap '$LAB down >/dev/null 2>&1 || true; rm -rf --one-file-system "$W"' EXIT
step() { echo "== $*"; }
timed() {
  local t=$SECONDS rc=0
  "$@" >"$W/last.log" 2>&1 || rc=$?
  echo "   $* -> rc=$rc in $((SECONDS - t)) s"
  # A failed step shows what it said (its last lines), so a failure can be read from the test's output.
  if ((rc)); then
    tail -n 20 "$W/last.log" | sed 's/^/   | /'
    # BIND's own account (a zone it did not load says why there).
    if [[ -f $KTRDR_LAB_DIR/dns/named.log ]]; then tail -n 12 "$KTRDR_LAB_DIR/dns/named.log" | sed 's/^/   named| /'; fi
  fi
  return $rc
}
# in_lab_ns INODES: how many processes run in one of these network namespaces.
in_lab_ns() {
  local p i n=0
  for p in /proc/[0-9]*; do
    i=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
    [[ " $1 " == *" $i "* ]] && n=$((n + 1))
  done
  echo "$n"
}
lab_ns() { for f in /run/netns/*; do stat -L -c %i "$f"; done 2>/dev/null | tr '\n' ' '; }
iptables_before=$(iptables-save 2>/dev/null | grep -c '^-A' || true)

step "up #1 (no lab, warm rootfs cache)"
timed $LAB up || {
  cat "$W/last.log"
  exit 1
}
grep '^lab:' "$W/last.log" | sed 's/^/   /'
step "up #2 (idempotent)"
timed $LAB up
grep '^lab:' "$W/last.log" | sed 's/^/   /' || true
step status
$LAB status | sed 's/^/   /'
echo "   processes in the lab's namespaces: $(in_lab_ns "$(lab_ns)")"

step "make things for down to remove"
timed $LAB add-host ktrdr-workers-d 198.18.50.13
core=$L/hosts/ktrdr-core
mkdir -p "$core/opt/ktrdr-core"
cat >"$core/opt/ktrdr-core/docker-compose.core.yml" <<'Y'
services:
  db:
    image: registry.internal/ktrdr-lab/timescaledb:2.19.3-pg17
    environment: {POSTGRES_USER: ktrdr, POSTGRES_DB: ktrdr, POSTGRES_PASSWORD: "${DB_PASSWORD:?}"}
    volumes: [dbdata:/var/lib/postgresql/data, "/mnt/ktrdr-shared:/mnt/shared"]
volumes: {dbdata: {}}
Y
pw=$(jq -r '.vaults["ktrdr-lab"].postgres.password' "$L/op/vault.json")
regpw=$(jq -j '.vaults["ktrdr-lab"].registry.password' "$L/op/vault.json")
t=$SECONDS
{
  echo 'set -euo pipefail'
  printf 'export DB_PASSWORD=%q REGISTRY_PASSWORD=%q\n' "$pw" "$regpw"
  echo 'export DOCKER_CONFIG=$(mktemp -d /dev/shm/st.XXXXXX); trap '"'"'rm -rf "$DOCKER_CONFIG"'"'"' EXIT'
  echo 'printf "%s" "$REGISTRY_PASSWORD" | docker login -u ktrdr-ci --password-stdin registry.internal >/dev/null 2>&1'
  echo 'cd /opt/ktrdr-core && docker compose -p ktrdr-core -f docker-compose.core.yml up -d --wait --quiet-pull' \
    '2>&1 | tail -2'
  echo 'docker compose -p ktrdr-core -f docker-compose.core.yml exec -T db sh -c' \
    '"pg_dump -U ktrdr -Fc -Z zstd:3 ktrdr > /mnt/shared/db-backups/smoke.dump"'
} | $LAB ws ssh -F "$L/ssh/ssh_config" root@ktrdr-core.internal bash -s
echo "   compose db pulled and healthy over ssh by name in $((SECONDS - t)) s;" \
  "dump: $(stat -c %s "$L/shared/db-backups/smoke.dump") bytes"
truncate -s 200M "$W/snap.img" && mkfs.btrfs -q "$W/snap.img" >/dev/null 2>&1
dev=$(losetup -f --show "$W/snap.img")
$LAB on ktrdr-core mkdir -p /srv/snap
$LAB on ktrdr-core mount "$dev" /srv/snap
echo "/srv/snap $dev" >>"$L/mounts.list"
echo "   mounted $dev on ktrdr-core:/srv/snap"
docker -H "unix://$core/docker.sock" ps -a --format '   {{.Names}} {{.Status}}'
inodes=$(lab_ns)
echo "   processes in the lab's namespaces: $(in_lab_ns "$inodes"); netns: $(ip netns list | wc -l)"

step down
timed $LAB down
grep '^lab:' "$W/last.log" | sed 's/^/   /'
links=$(ip -o link show | grep -vc ': lo:' || true)
mounted=$(grep -c "$W" /proc/self/mountinfo || true)
rules=$(($(iptables-save 2>/dev/null | grep -c '^-A' || true) - iptables_before))
echo "   after down: lab dir $([ -e "$L" ] && echo EXISTS || echo gone), netns $(ip netns list | wc -l)," \
  "links $links, processes $(in_lab_ns "$inodes"), mounts $mounted," \
  "loop $(losetup "$dev" >/dev/null 2>&1 && echo attached || echo detached), iptables rules +$rules"
echo "   cache kept: $(find /var/cache/ktrdr-lab -maxdepth 1 -name '*.tar' | wc -l) tarballs"

if [ "${SELFTEST_ONE_CYCLE:-0}" = 1 ]; then # the test suite's mode: one up/up/down cycle is the contract
  rm -rf --one-file-system "$W" && echo "selftest: ok"
  exit 0
fi
step "up #3 (warm, after down: re-import from cache)"
timed $LAB up
grep '^lab:' "$W/last.log" | sed 's/^/   /'
step "up #4"
timed $LAB up
step status
$LAB status | sed 's/^/   /'
echo "   status rc=$?"
step "final down"
timed $LAB down
echo "   after down: lab dir $([ -e "$L" ] && echo EXISTS || echo gone), netns $(ip netns list | wc -l)"
rm -rf --one-file-system "$W" && echo "selftest: ok"
