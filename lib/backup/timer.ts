// The daily backup timer (templates/systemd/ktrdr-backup.{service,timer}): rendered from the templates
// with this config's shared mount, then one `bash -s` script that stages the units, checks them with
// `systemd-analyze verify` (when the host has it), installs them under <root>/etc/systemd/system and
// enables the timer. A root other than / (tests, image builds) only enables it offline (systemctl --root).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config/model.ts'
import { bind } from '../job/render.ts'

export const UNIT = 'ktrdr-backup'
export const CRON_LINE =
  '0 2 * * * root cd /opt/ktrdr-ops && NO_COLOR=1 CI=1 node dist/backup.mjs ' +
  '--local --prune --config infra/homelab >>/var/log/ktrdr-backup.log 2>&1'

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

/** The install script's body (lib/backup/timer.sh's install_timer) for these units under `root`. */
export function installTimerLines(u: TimerUnits, root: string): string[] {
  return [...bind({ root, unit: UNIT, service_text: u.service, timer_text: u.timer }), 'install_timer']
}

export const TIMER_LIB = ['backup/timer.sh'] as const
