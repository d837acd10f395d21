// The core host's timers (templates/systemd/ktrdr-{backup,drill,snapshot}.{service,timer}): rendered from the
// templates with this config's paths, then one `bash -s` script that checks that what the service runs is
// there, stages the units, checks them with `systemd-analyze verify` (when the host has it), installs them
// under <root>/etc/systemd/system and enables the timer. A root other than / (tests, image builds) only
// enables it offline (systemctl --root). `ensure` leaves a timer alone that is installed with the same text
// and enabled (recover-core checks every timer the core had this way, installing what is missing).
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative } from 'node:path'
import type { Config } from '../config/model.ts'
import { LIB_DIR } from '../job/files.ts'
import { bind } from '../job/render.ts'
import type { FlagSpec } from '../cli/args.ts'
import { UsageError } from '../errors.ts'

const REPO_ROOT = dirname(LIB_DIR)
export const TEMPLATES_DIR = join(REPO_ROOT, 'templates', 'systemd')

export type TimerName = 'backup' | 'drill' | 'snapshot'

export interface TimerSpec {
  name: TimerName
  /** The systemd unit's name, without .service/.timer. */
  unit: string
  /** The built scripts the service runs (dist/<script>.mjs), checked on the host before installing. */
  scripts: string[]
  /** The make target that installs it. */
  target: string
  doc: string
}

export const TIMERS: Record<TimerName, TimerSpec> = {
  backup: {
    name: 'backup',
    unit: 'ktrdr-backup',
    scripts: ['backup'],
    target: 'install-backup-timer',
    doc: 'docs/backup.md',
  },
  drill: {
    name: 'drill',
    unit: 'ktrdr-drill',
    scripts: ['backup-verify'],
    target: 'install-backup-timer',
    doc: 'docs/backup.md',
  },
  snapshot: {
    name: 'snapshot',
    unit: 'ktrdr-snapshot',
    scripts: ['snapshot', 'snapshot-prune'],
    target: 'install-snapshot-timer',
    doc: 'docs/snapshots.md',
  },
}

/** Every timer this config's core host runs: the backup and its drill always, the snapshot with snapshots:. */
export function timersOf(cfg: Config): TimerSpec[] {
  return cfg.stack.snapshots ? [TIMERS.backup, TIMERS.drill, TIMERS.snapshot] : [TIMERS.backup, TIMERS.drill]
}

/** What make install-backup-timer installs: the daily backup and the weekly restore drill. */
export const BACKUP_TIMERS = [TIMERS.backup, TIMERS.drill]

export const UNIT = TIMERS.backup.unit
export const CRON_LINE =
  '0 2 * * * root cd /opt/ktrdr-ops && NO_COLOR=1 CI=1 node dist/backup.mjs ' +
  '--local --prune --config infra/homelab >>/var/log/ktrdr-backup.log 2>&1'

export interface TimerUnits {
  service: string
  timer: string
  /** The unit's name (default ktrdr-backup) and the built scripts its service runs (default backup). */
  unit?: string
  scripts?: string[]
  /** The host's ktrdr-ops checkout, and the config the service runs (checked there before installing). */
  opsDir?: string
  config?: string
  /**
   * Directories its ReadWritePaths= names that the job would make itself (the snapshot directory): made at
   * install, since under ProtectSystem=strict the job cannot, and systemd refuses to start a unit without them.
   */
  dirs?: string[]
}

/** Where ktrdr-ops is checked out and built on the core host by default (the units run dist/ from there). */
export const OPS_DIR = '/opt/ktrdr-ops'

/** The config as the units name it: relative to the checkout when it lies inside it, else absolute. */
function configArg(cfg: Config): string {
  const inside = relative(REPO_ROOT, cfg.dir)
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : cfg.dir
}

/** The mount the service needs: the shared mount (backup), the snapshot source (btrfs; ZFS mounts its own). */
function requiredMount(cfg: Config, spec: TimerSpec): string | undefined {
  if (spec.name !== 'snapshot') return cfg.stack.shared.host_path
  const s = cfg.stack.snapshots
  return s?.backend === 'btrfs' ? s.source : undefined
}

/** The Prometheus textfile's directory (every backup and snapshot job writes it: lib/watch/report.ts). */
export const textfileDir = (cfg: Config): string => dirname(cfg.stack.monitoring.textfile)

/**
 * What the sandboxed service may write (ProtectSystem=strict makes the rest read-only): the backups' shared
 * mount, or the snapshot source and directory (and a local copy destination, '-': it may not be mounted);
 * the textfile's directory and the lock directory always.
 */
export function writablePaths(cfg: Config, spec: TimerSpec): string[] {
  if (spec.name !== 'snapshot') return [cfg.stack.shared.host_path, textfileDir(cfg), '/run/lock']
  const s = cfg.stack.snapshots
  const out: string[] = []
  if (s?.backend === 'btrfs') out.push(s.source, s.dir)
  const copy = s?.copy_to
  const local = copy?.startsWith('/') ? copy : copy?.startsWith('rsync:/') ? copy.slice('rsync:'.length) : undefined
  if (local) out.push(`-${local}`)
  return [...out, textfileDir(cfg), '/run/lock']
}

/**
 * The units for this config: RequiresMountsFor from the config, WorkingDirectory the host's ktrdr-ops
 * checkout, and the config the run was given (relative to the checkout when it lies inside it, as
 * lab/config or infra/homelab do; else its absolute path, which must exist on the host too).
 */
export function renderTimerUnits(
  cfg: Config,
  dir = TEMPLATES_DIR,
  opsDir = OPS_DIR,
  spec: TimerSpec = TIMERS.backup,
): TimerUnits {
  const config = configArg(cfg)
  const mount = requiredMount(cfg, spec)
  const copy = spec.name === 'snapshot' && cfg.stack.snapshots?.copy_to !== undefined
  const service = readFileSync(join(dir, `${spec.unit}.service`), 'utf8')
    .replace(/^#(ExecStart=.* dist\/snapshot-copy\.mjs .*)$/m, copy ? '$1' : '#$1')
    .replace(/^RequiresMountsFor=.*\n/m, mount ? `RequiresMountsFor=${mount}\n` : '')
    .replace(/^ReadWritePaths=.*$/m, `ReadWritePaths=${writablePaths(cfg, spec).join(' ')}`)
    .replace(/^WorkingDirectory=.*$/m, `WorkingDirectory=${opsDir}`)
    .replace(/^Documentation=.*$/m, `Documentation=file://${opsDir}/${spec.doc}`)
    .replace(/ --config \S+$/gm, ` --config ${config}`)
  return {
    service,
    timer: readFileSync(join(dir, `${spec.unit}.timer`), 'utf8').replace(
      /^Documentation=.*$/m,
      `Documentation=file://${opsDir}/${spec.doc}`,
    ),
    unit: spec.unit,
    scripts: copy ? [...spec.scripts, 'snapshot-copy'] : spec.scripts,
    opsDir,
    config,
    dirs: [
      ...(spec.name === 'snapshot' && cfg.stack.snapshots?.backend === 'btrfs' ? [cfg.stack.snapshots.dir] : []),
      textfileDir(cfg),
    ],
  }
}

/** The install script's body (lib/backup/timer.sh's install_timer) for these units under `root`. */
export function installTimerLines(u: TimerUnits, root: string, ensure = false): string[] {
  return [
    ...bind({
      root,
      unit: u.unit ?? UNIT,
      service_text: u.service,
      timer_text: u.timer,
      ops_dir: u.opsDir ?? OPS_DIR,
      config: u.config ?? 'infra/homelab',
      scripts: u.scripts ?? ['backup'],
      make_dirs: u.dirs ?? [],
      ensure: ensure ? 1 : 0,
    }),
    'install_timer',
  ]
}

export const TIMER_LIB = ['backup/timer.sh'] as const

export const TIMER_FLAGS: Record<string, FlagSpec> = {
  local: { type: 'boolean', description: 'install on this machine (the core host itself) instead of over SSH' },
  root: {
    type: 'string',
    description: 'install under this directory instead of / (enables offline, starts nothing)',
    default: '/',
  },
  'ops-dir': {
    type: 'string',
    description: 'where ktrdr-ops is checked out and built on the core host (the units run from there)',
    default: OPS_DIR,
  },
}

/** --root and --ops-dir, both absolute. */
export function timerFlags(flags: Record<string, unknown>): { root: string; opsDir: string } {
  const root = (flags.root as string | undefined) ?? '/'
  if (!root.startsWith('/')) throw new UsageError(`--root must be an absolute path: ${root}`)
  const opsDir = (flags['ops-dir'] as string | undefined) ?? OPS_DIR
  if (!opsDir.startsWith('/')) throw new UsageError(`--ops-dir must be an absolute path: ${opsDir}`)
  return { root, opsDir }
}
