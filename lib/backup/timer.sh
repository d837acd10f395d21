# Install one of the core host's timers (ktrdr-backup, ktrdr-snapshot): check that what its service runs is
# there, stage the units, check them with `systemd-analyze verify` (when the host has it), install them under
# <root>/etc/systemd/system, enable the timer. A root other than / (tests, image builds) only enables it
# offline (systemctl --root). ensure=1 leaves alone a timer installed with the same text and enabled.
# Variables, bound by lib/backup/timer.ts: root unit service_text timer_text ops_dir config scripts make_dirs
# ensure.
# shellcheck disable=SC2154 # the variables are bound by lib/backup/timer.ts (bind) ahead of this file

# same_text PATH TEXT: PATH exists and holds exactly TEXT (builtin read, no process).
same_text() {
  local current=
  [ -f "$1" ] || return 1
  { IFS= read -r -d '' current || true; } <"$1"
  [ "$current" = "$2" ]
}

install_timer() {
  local unitdir="${root%/}/etc/systemd/system" stage out f s d ops="${root%/}$ops_dir" cfg
  # What the service runs must be there: a timer that fails every night is worse than none.
  ktrdr_event step check
  for s in "${scripts[@]}"; do
    [ -f "$ops/dist/$s.mjs" ] ||
      fail "ktrdr-ops is not built at $ops_dir on this host (no dist/$s.mjs): check it out there and run" \
        "make setup (docs/backup.md, \"The timer\"), or pass OPS_DIR=<where it is>"
  done
  case $config in /*) cfg="${root%/}$config" ;; *) cfg="$ops/$config" ;; esac
  [ -f "$cfg/stack-config.yml" ] ||
    fail "the config $config is not on this host (no $cfg/stack-config.yml): copy it there, or pick the config" \
      "the host has (CONFIG=)"
  if [ "$root" = / ]; then
    command -v node >/dev/null || fail 'node is not installed on this host (Node 20 or newer)'
    [ -d /run/systemd/system ] ||
      fail "systemd is not running on this host (no /run/systemd/system): schedule the job with cron instead" \
        "(the cron line in the $unit.timer template)"
  fi
  ktrdr_event verified "ktrdr-ops at $ops_dir, config $config: present"
  # What the sandboxed job may write must exist before it starts (systemd: 226/NAMESPACE otherwise).
  for d in ${make_dirs[@]+"${make_dirs[@]}"}; do
    mkdir -p "${root%/}$d"
  done
  if [ "$ensure" = 1 ] && [ -e "$unitdir/timers.target.wants/$unit.timer" ] &&
    same_text "$unitdir/$unit.service" "$service_text" && same_text "$unitdir/$unit.timer" "$timer_text"; then
    ktrdr_event unchanged "$unit.timer: installed with this text and enabled"
    return 0
  fi
  stage=$(mktemp -d)
  on_exit "rm -rf $stage"
  printf '%s' "$service_text" >"$stage/$unit.service"
  printf '%s' "$timer_text" >"$stage/$unit.timer"
  ktrdr_event step verify
  if command -v systemd-analyze >/dev/null; then
    if ! out=$(systemd-analyze verify "$stage/$unit.service" "$stage/$unit.timer" 2>&1); then
      printf '%s\n' "$out" >&2
      fail "systemd-analyze verify rejected the units: $(printf '%s' "$out" | tail -n 1)"
    fi
    ktrdr_event verified 'systemd-analyze verify: ok'
  else
    ktrdr_event verified 'skipped (systemd-analyze is not installed on this host)'
  fi
  ktrdr_event step install
  mkdir -p "$unitdir"
  for f in "$unit.service" "$unit.timer"; do
    install -m 0644 "$stage/$f" "$unitdir/.$f.new" && mv -f "$unitdir/.$f.new" "$unitdir/$f"
    ktrdr_event installed "$unitdir/$f"
  done
  ktrdr_event step enable
  if [ "$root" = / ]; then
    systemctl daemon-reload
    systemctl enable --now "$unit.timer" 2>&1 | sed 's/^/  /' >&2
    ktrdr_event enabled started
    systemctl list-timers "$unit.timer" --no-pager | head -n 2 | tail -n 1 | sed 's/^/::ktrdr next /'
  elif command -v systemctl >/dev/null; then
    systemctl "--root=$root" enable "$unit.timer" 2>&1 | sed 's/^/  /' >&2
    ktrdr_event enabled offline
  else
    mkdir -p "$unitdir/timers.target.wants" && ln -sfn "../$unit.timer" "$unitdir/timers.target.wants/$unit.timer"
    ktrdr_event enabled symlink
  fi
}
