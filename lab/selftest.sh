#!/usr/bin/env bash
# End-to-end check of lab.sh up/down/up in private mount+net namespaces (own /run, /var/lib/docker
# and 127/8), so a shared lab and other people's containers are untouched. Needs the rootfs cache
# (/var/cache/ktrdr-lab, filled by one real `lab.sh up`) and ~1.5 min. Run as root:
#   unshare --mount --net --propagation private lab/selftest.sh
set -euo pipefail
[[ $(readlink /proc/self/ns/net) != $(readlink /proc/1/ns/net) ]] ||
  { echo "run inside: unshare --mount --net --propagation private $0" >&2; exit 1; }
W=$(mktemp -d /tmp/ktrdr-selftest.XXXXXX)
ip link set lo up
mount -t tmpfs tmpfs /run
mkdir -p $W/docker && mount --bind $W/docker /var/lib/docker
export KTRDR_LAB_DIR=$W/lab
LAB=$(dirname "$(readlink -f "$0")")/lab.sh L=$KTRDR_LAB_DIR
trap '$LAB down >/dev/null 2>&1 || true' EXIT
step() { echo "== $*"; }
timed() { local t=$SECONDS rc=0; "$@" >$W/last.log 2>&1 || rc=$?; echo "   $* -> rc=$rc in $((SECONDS-t)) s"; return $rc; }

step "up #1 (no engine running, empty docker, warm rootfs cache)"; timed $LAB up || { cat $W/last.log; exit 1; }
grep '^lab:' $W/last.log | sed 's/^/   /'
step "up #2 (idempotent)"; timed $LAB up; grep '^lab:' $W/last.log | sed 's/^/   /' || true
step status; $LAB status | sed 's/^/   /'
pgrep -cf "$L/hosts" | sed 's/^/   sshd processes: /'

step "make things for down to remove"
docker run -d --label ktrdr.lab=1 --name lab-thing ktrdr-lab/python:3.13 sleep 600 >/dev/null
mkdir -p $L/hosts/ktrdr-core/opt/ktrdr-core
cat > $L/hosts/ktrdr-core/opt/ktrdr-core/docker-compose.core.yml <<'Y'
services:
  db:
    image: ktrdr-lab/postgres:17-timescaledb
    environment: {POSTGRES_USER: ktrdr, POSTGRES_DB: ktrdr, POSTGRES_PASSWORD: "${DB_PASSWORD:?}"}
    volumes: [dbdata:/var/lib/postgresql/data, "${SHARED:?}:/mnt/shared"]
volumes: {dbdata: {}}
Y
pw=$(jq -r '.vaults["ktrdr-lab"].postgres.password' $L/op/vault.json)
t=$SECONDS
{ echo 'set -euo pipefail'; printf 'export DB_PASSWORD=%q SHARED=%q\n' "$pw" "$L/shared"
  echo 'cd "$KTRDR_LAB_OPT/ktrdr-core" && docker compose -p ktrdr-core -f docker-compose.core.yml up -d --wait --quiet-pull 2>&1 | tail -2'
  echo 'docker compose -p ktrdr-core exec -T db sh -c "pg_dump -U ktrdr -Fc -Z zstd:3 ktrdr > /mnt/shared/db-backups/smoke.dump" 2>/dev/null'
} | ssh -F $L/ssh/ssh_config ktrdr-core bash -s
echo "   compose db healthy over ssh in $((SECONDS-t)) s; dump: $(stat -c %s $L/shared/db-backups/smoke.dump) bytes"
PGPASSWORD=$pw psql -h "$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ktrdr-core-db-1)" -U ktrdr -d ktrdr -Atc "select 'tcp login with awkward password ok'" | sed 's/^/   /'
export DOCKER_CONFIG=$L/hosts/ktrdr-core/docker
jq -r '.vaults["ktrdr-lab"].registry.password' $L/op/vault.json | docker login -u ktrdr-ci --password-stdin 127.0.0.1:5000 >/dev/null
docker tag ktrdr-lab/python:3.13 127.0.0.1:5000/ktrdr-base:smoke && docker push -q 127.0.0.1:5000/ktrdr-base:smoke >/dev/null && echo "   pushed 127.0.0.1:5000/ktrdr-base:smoke"
unset DOCKER_CONFIG
truncate -s 200M $W/snap.img && mkfs.btrfs -q $W/snap.img
dev=$(losetup -f --show $W/snap.img); mkdir -p $W/snap && mount $dev $W/snap
echo "$W/snap $dev" >> $L/mounts.list; echo "   mounted $dev on $W/snap"
docker ps -a --format '   {{.Names}} {{.Status}}'; docker volume ls -q | sed 's/^/   volume /'; docker network ls --format '   net {{.Name}}'

step down; timed $LAB down; grep '^lab:' $W/last.log | sed 's/^/   /'
echo "   after down: lab dir $( [ -e $L ] && echo EXISTS || echo gone ), sshd $(pgrep -cf "$L/hosts" || true), registry $(pgrep -cf "$L/registry" || true), dockerd $(pgrep -cf "pidfile $L/dockerd.pid" || true), mounted $(mountpoint -q $W/snap && echo yes || echo no), loop $(losetup $dev >/dev/null 2>&1 && echo attached || echo detached)"
echo "   cache kept: $(ls /var/cache/ktrdr-lab/*.tar | wc -l) tarballs"

if [ "${SELFTEST_ONE_CYCLE:-0}" = 1 ]; then   # the test suite's mode: one up/up/down cycle is the contract
  rm -rf --one-file-system "$W" && echo "selftest: ok"; exit 0
fi
step "up #3 (warm, after down: re-import from cache)"; timed $LAB up; grep '^lab:' $W/last.log | sed 's/^/   /'
step "up #4"; timed $LAB up
step status; $LAB status | sed 's/^/   /'; echo "   status rc=$?"
step "final down"; timed $LAB down
echo "   after down: lab dir $( [ -e $L ] && echo EXISTS || echo gone ), sshd $(pgrep -cf "$L/hosts" || true), dockerd $(pgrep -cf "pidfile $L/dockerd.pid" || true)"
rm -rf --one-file-system "$W" && echo "selftest: ok"
