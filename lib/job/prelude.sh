# The prelude of every job's script (lib/job/render.ts puts it first). bash only: the toolkit quotes with
# bash's $'…' (zx's quote).
set -euo pipefail
# Cleanups registered with on_exit run in reverse order on any exit, signals included. Once they run, a
# second signal (Ctrl-C then zx's TERM; SIGPIPE from an echo after the connection went) must not cut them
# short: the lock, the jobs and the backend are in there.
__ktrdr_cleanups=()
on_exit() { __ktrdr_cleanups+=("$1"); }
__ktrdr_on_exit() {
  # The status the job exits with (130: a signal), for cleanups that act on how it ended.
  __ktrdr_status=$?
  local i
  trap '' INT TERM HUP PIPE
  # A signal that lands inside `IFS=… read` runs this trap with that IFS still in effect: the cleanups split and
  # join words with bash's default (a put-back that matched no service name waited its whole health timeout).
  IFS=$' \t\n'
  # The stdin watcher (lib/job/render.ts), if any, stops TERMing the job: its cleanups run undisturbed.
  [ -z "${__ktrdr_watcher:-}" ] || kill -KILL "$__ktrdr_watcher" 2>/dev/null || true
  for ((i = ${#__ktrdr_cleanups[@]} - 1; i >= 0; i--)); do eval "${__ktrdr_cleanups[i]}" || true; done
}
trap __ktrdr_on_exit EXIT
# PIPE too: once the connection is gone the next echo would kill the shell without running the cleanups.
trap 'exit 130' INT TERM HUP PIPE

# ktrdr_event EVENT [DETAIL…]: one `::ktrdr <event> <detail>` line on stdout (lib/job/protocol.ts reads them).
ktrdr_event() {
  local IFS=' '
  printf '::ktrdr %s\n' "$*"
}

# fail DETAIL…: the job's failure, in the operator's words, then exit (FAIL_CODE, default 1; EXIT in protocol.ts).
fail() {
  ktrdr_event failed "$*"
  exit "${FAIL_CODE:-1}"
}
