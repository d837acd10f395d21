#!/usr/bin/env bash
# Run a command on the lab's workstation (lab.sh ws: its resolver, its CA, its Docker engine) with the lab
# up. A lab that exists already is reused (lab.sh up repairs what is down) and left up; otherwise this
# installs what is missing, brings the lab up, runs the command and takes the lab down again (KEEP_LAB=1
# leaves it up, e.g. to explore after make demo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LAB_DIR=${KTRDR_LAB_DIR:-/var/lib/ktrdr-lab}
if [ "$(id -u)" != 0 ]; then
  echo "lab: needs root to install Debian packages and start the lab's engines; run: sudo make ${MAKE_TARGET:-test}" >&2
  exit 1
fi
if [ -e "$LAB_DIR/.ktrdr-lab" ]; then
  echo "lab: already up — reusing it, and leaving it up afterwards" >&2
  bash "$here/lab.sh" up >/dev/null
  exec bash "$here/lab.sh" ws "$@"
fi
bash "$here/install-engines.sh"
cleanup() {
  if [ "${KEEP_LAB:-0}" != 1 ]; then
    echo "lab: taking down what this run brought up" >&2
    bash "$here/lab.sh" down >&2 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash "$here/lab.sh" up >&2
bash "$here/lab.sh" ws "$@"
