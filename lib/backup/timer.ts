// The daily backup timer (templates/systemd/ktrdr-backup.{service,timer}): rendered from the templates
// with this config's shared mount, then one `bash -s` script that stages the units, checks them with
// `systemd-analyze verify` (when the host has it), installs them under <root>/etc/systemd/system and
// enables the timer. A root other than / (tests, image builds) only enables it offline (systemctl --root).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config/model.ts'
import { mark } from '../deploy/steps.ts'
import { sh } from '../remote/script.ts'

export const UNIT = 'ktrdr-backup'
export const CRON_LINE =
  '0 2 * * * root cd /opt/ktrdr-ops && NO_COLOR=1 CI=1 node dist/backup.mjs --local --prune --config infra/homelab >>/var/log/ktrdr-backup.log 2>&1'

export interface TimerUnits {
  service: string
  timer: string
}

/** The templates, with RequiresMountsFor= set to shared.host_path (the backups live under it). */
export function renderTimerUnits(cfg: Config, dir: string): TimerUnits {
  const service = readFileSync(join(dir, `${UNIT}.service`), 'utf8').replace(
    /^RequiresMountsFor=.*$/m,
    `RequiresMountsFor=${cfg.stack.shared.host_path}`,
  )
  return { service, timer: readFileSync(join(dir, `${UNIT}.timer`), 'utf8') }
}

export function installTimerLines(u: TimerUnits, root: string): string[] {
  const live = root === '/'
  const enable = live
    ? sh(['systemctl', 'enable', '--now', `${UNIT}.timer`])
    : sh(['systemctl', `--root=${root}`, 'enable', `${UNIT}.timer`])
  return [
    `root=${sh([root])}`,
    'unitdir="${root%/}/etc/systemd/system"',
    'stage=$(mktemp -d)',
    'on_exit \'rm -rf "$stage"\'',
    `printf '%s' ${sh([u.service])} > "$stage/${UNIT}.service"`,
    `printf '%s' ${sh([u.timer])} > "$stage/${UNIT}.timer"`,
    mark('step', 'verify'),
    'if command -v systemd-analyze >/dev/null; then',
    `  if ! out=$(systemd-analyze verify "$stage/${UNIT}.service" "$stage/${UNIT}.timer" 2>&1); then printf '%s\\n' "$out" >&2; echo "::ktrdr failed systemd-analyze verify rejected the units: $(printf '%s' "$out" | tail -n 1)"; exit 1; fi`,
    `  ${mark('verified', 'systemd-analyze verify: ok')}`,
    `else ${mark('verified', 'skipped (systemd-analyze is not installed on this host)')}; fi`,
    mark('step', 'install'),
    'mkdir -p "$unitdir"',
    `for f in ${UNIT}.service ${UNIT}.timer; do install -m 0644 "$stage/$f" "$unitdir/.$f.new" && mv -f "$unitdir/.$f.new" "$unitdir/$f"; echo "::ktrdr installed $unitdir/$f"; done`,
    mark('step', 'enable'),
    ...(live ? ['systemctl daemon-reload'] : []),
    `if command -v systemctl >/dev/null; then ${enable} 2>&1 | sed 's/^/  /' >&2; ${mark('enabled', live ? 'started' : 'offline')}`,
    `else mkdir -p "$unitdir/timers.target.wants" && ln -sfn ../${UNIT}.timer "$unitdir/timers.target.wants/${UNIT}.timer" && ${mark('enabled', 'symlink')}; fi`,
    ...(live
      ? [`systemctl list-timers ${UNIT}.timer --no-pager | head -n 2 | tail -n 1 | sed 's/^/::ktrdr next /'`]
      : []),
  ]
}
