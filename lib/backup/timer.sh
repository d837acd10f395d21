# Install the daily backup timer on the core host: stage the units, check them with `systemd-analyze verify`
# (when the host has it), install them under <root>/etc/systemd/system, enable the timer. A root other than /
# (tests, image builds) only enables it offline (systemctl --root). Variables, bound by lib/backup/timer.ts:
# root unit service_text timer_text.
# shellcheck disable=SC2154 # the variables are bound by lib/backup/timer.ts (bind) ahead of this file

install_timer() {
  local unitdir="${root%/}/etc/systemd/system" stage out f
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
