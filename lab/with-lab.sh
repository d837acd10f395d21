#!/usr/bin/env bash
# Run a command with the lab up: reuse a lab that is already up (and leave it up); otherwise install
# what is missing, bring the lab up, run the command, and take down only what this run brought up
# (KEEP_LAB=1 leaves it up, e.g. to explore after make demo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if bash "$here/lab.sh" status >/dev/null 2>&1; then
  echo "lab: already up — reusing it, and leaving it up afterwards" >&2
  exec "$@"
fi
if [ "$(id -u)" != 0 ]; then
  echo "lab: needs root to install Debian packages and start dockerd/sshd; run: sudo make ${MAKE_TARGET:-test}" >&2
  exit 1
fi
bash "$here/install-engines.sh"
started=1
cleanup() { if [ "${started:-0}" = 1 ] && [ "${KEEP_LAB:-0}" != 1 ]; then echo "lab: taking down what this run brought up" >&2; bash "$here/lab.sh" down >&2 || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
bash "$here/lab.sh" up >&2
"$@"
