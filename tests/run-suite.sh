#!/usr/bin/env bash
# The suite (make test runs this on the lab's workstation): uvu over tests/, then a check uvu does not make.
# uvu reports a suite whose before-hook threw as passing, "(0 / 8)" with no FAIL line and exit 0 (its runner
# returns from a finally block): a count of tests that never ran fails the run here, naming the suites.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp)
# The deploy records the make targets keep on "this workstation" (lib/records/workstation.ts) go to a
# directory of the run's own, never the operator's ~/.local/state.
KTRDR_STATE_DIR=$(mktemp -d)
export KTRDR_STATE_DIR
trap 'rm -f "$log"; rm -rf "$KTRDR_STATE_DIR"' EXIT
node_modules/.bin/tsx node_modules/uvu/bin.js tests "${1:-\\.test\\.ts\$}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
plain=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log")
total=$(printf '%s\n' "$plain" | sed -n 's/^ *Total: *\([0-9]*\).*/\1/p' | tail -1)
passed=$(printf '%s\n' "$plain" | sed -n 's/^ *Passed: *\([0-9]*\).*/\1/p' | tail -1)
skipped=$(printf '%s\n' "$plain" | sed -n 's/^ *Skipped: *\([0-9]*\).*/\1/p' | tail -1)
if [ -z "$total" ] || [ -z "$passed" ]; then
  echo "run-suite: uvu printed no totals (it stopped early)" >&2
  exit 1
fi
if [ "$status" = 0 ] && [ "$((passed + ${skipped:-0}))" -lt "$total" ]; then
  echo "run-suite: $((total - passed - ${skipped:-0})) tests never ran, yet uvu reported no failure: a test.before" \
    "hook threw in these suites (run one alone to see why):" >&2
  printf '%s\n' "$plain" | awk '/\.test\.ts$/ { file = $1 }
    /\([0-9]+ \/ [0-9]+\)/ { s = $0; sub(/.*\(/, "", s); sub(/\).*/, "", s); split(s, n, " / ")
      if (n[1] + 0 < n[2] + 0) print "  " file " (" s ")" }' >&2
  exit 1
fi
exit "$status"
