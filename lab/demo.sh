#!/usr/bin/env bash
# make demo: the whole flow on the lab, from its workstation (lab/with-lab.sh runs it there) — build and push
# the sample app's images (as CI would), deploy the core stack and both worker nodes (each host logs in and
# pulls on its first deploy), then show the backend's registered workers.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
LAB_DIR=${KTRDR_LAB_DIR:-/var/lib/ktrdr-lab}
step() { printf '\n== %s\n' "$*"; }

step "1/5 the lab is up (BIND, TLS registry with tokens, three hosts with their own sshd and engine, stand-in vault)"
bash lab/lab.sh status

# The lab's 1Password is the stand-in op with the lab's own random secrets (lab/README.md).
export PATH="$repo/tests/standins/bin:$PATH" OP_STANDIN_VAULT="$LAB_DIR/op/vault.json"
M="make --no-print-directory CONFIG=lab/config"

step "2/5 a clean git checkout of the sample app (examples/ktrdr-app)"
app=$(mktemp -d /tmp/ktrdr-demo-app.XXXXXX)
trap 'rm -rf "$app"' EXIT
cp -a examples/ktrdr-app/. "$app/"
git -C "$app" init -q
git -C "$app" add -A
git -C "$app" -c user.name=demo -c user.email=demo@ktrdr.invalid commit -qm "ktrdr sample app"
tag="sha-$(git -C "$app" rev-parse --short=7 HEAD)"
echo "app checkout $app, image tag $tag"

step "3/5 build and push the images to the lab registry (CI=1: only CI may publish sha- tags)"
$M build-base BASE_IMAGE=ktrdr-lab/python:3.13 INSTALL_UV=0
CI=1 $M build-backend APP="$app" TAG="$tag" PUSH=1
CI=1 $M build-worker APP="$app" TAG="$tag" PUSH=1

step "4/5 deploy the core stack and every worker node"
$M deploy-core SERVICE=all TAG="$tag"
$M deploy-workers NODE=all TAG="$tag"

step "5/5 the backend's registered workers (each with the explicit URL it was given)"
for _ in $(seq 1 30); do
  list=$(curl -fsS http://ktrdr-core.internal:8000/workers 2>/dev/null || true)
  n=$(printf '%s' "$list" |
    python3 -c 'import json,sys; print(sum(1 for w in json.load(sys.stdin) if w["status"] == "ok"))' 2>/dev/null ||
    echo 0)
  [ "$n" -ge 5 ] && break
  sleep 1
done
printf '%s' "$list" | python3 -c '
import json, sys
for w in sorted(json.load(sys.stdin), key=lambda w: w["url"]):
    print("  %-34s %-40s %s" % (w["worker_id"], w["url"], w["status"]))'
echo
echo "explore (with KEEP_LAB=1, or when the lab was already up): make lab-shell," \
  "then make status CONFIG=lab/config or make logs CONFIG=lab/config NODE=C SERVICE=worker there; make lab-down"
