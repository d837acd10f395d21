// The daily backup timer (templates/systemd/ktrdr-backup.{service,timer}): rendered from the templates
// with this config's shared mount, then one `bash -s` script that stages the units, checks them with
// `systemd-analyze verify` (when the host has it), installs them under <root>/etc/systemd/system and
// enables the timer. A root other than / (tests, image builds) only enables it offline (systemctl --root).
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative } from 'node:path'
import type { Config } from '../config/model.ts'
import { LIB_DIR } from '../job/files.ts'
import { bind } from '../job/render.ts'

const REPO_ROOT = dirname(LIB_DIR)

export const UNIT = 'ktrdr-backup'
export const CRON_LINE =
  '0 2 * * * root cd /opt/ktrdr-ops && NO_COLOR=1 CI=1 node dist/backup.mjs ' +
  '--local --prune --config infra/homelab >>/var/log/ktrdr-backup.log 2>&1'

export interface TimerUnits {
  service: string
  timer: string
  /** The host's ktrdr-ops checkout, and the config the service runs (checked there before installing). */
  opsDir?: string
  config?: string
}

/** Where ktrdr-ops is checked out and built on the core host by default (the units run dist/ from there). */
export const OPS_DIR = '/opt/ktrdr-ops'

/**
 * The units for this config: RequiresMountsFor from shared.host_path, WorkingDirectory the host's ktrdr-ops
 * checkout, and the config the run was given (relative to the checkout when it lies inside it, as
 * lab/config or infra/homelab do; else its absolute path, which must exist on the host too).
 */
export function renderTimerUnits(cfg: Config, dir: string, opsDir = OPS_DIR): TimerUnits {
  const inside = relative(REPO_ROOT, cfg.dir)
  const config = inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : cfg.dir
  const service = readFileSync(join(dir, `${UNIT}.service`), 'utf8')
    .replace(/^RequiresMountsFor=.*$/m, `RequiresMountsFor=${cfg.stack.shared.host_path}`)
    .replace(/^WorkingDirectory=.*$/m, `WorkingDirectory=${opsDir}`)
    .replace(/^Documentation=.*$/m, `Documentation=file://${opsDir}/docs/backup.md`)
    .replace(/ --config \S+$/m, ` --config ${config}`)
  return { service, timer: readFileSync(join(dir, `${UNIT}.timer`), 'utf8'), opsDir, config }
}

/** The install script's body (lib/backup/timer.sh's install_timer) for these units under `root`. */
export function installTimerLines(u: TimerUnits, root: string): string[] {
  return [
    ...bind({
      root,
      unit: UNIT,
      service_text: u.service,
      timer_text: u.timer,
      ops_dir: u.opsDir ?? OPS_DIR,
      config: u.config ?? 'infra/homelab',
    }),
    'install_timer',
  ]
}

export const TIMER_LIB = ['backup/timer.sh'] as const
