// The `snapshots:` section of stack-config.yml → what the snapshot scripts act on: the target (btrfs
// subvolume or ZFS dataset), the retention policy, the optional copy destination and the host.
// Shape errors are caught by the loader (schema.ts); the cross-field rules are here, as `file path: message`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ConfigIssue, ConfigError, OpsError } from '../errors.ts'
import { CONFIG_FILES } from '../config/load.ts'
import { locate, parseYaml } from '../config/locate.ts'
import type { Config } from '../config/model.ts'
import type { SnapshotTarget } from './commands.ts'
import { DEFAULT_PREFIX } from './names.ts'
import type { RetentionPolicy } from './retention.ts'

export interface SnapshotSettings {
  target: SnapshotTarget
  policy: RetentionPolicy
  copyTo?: string
  prefix: string
  /** The host the snapshots live on: the core node (design §6.5: the NFS server runs there). */
  host: string
  /** stack-config.yml as shown to the operator, for messages. */
  file: string
}

const EXAMPLE = [
  'snapshots:',
  '  backend: btrfs                      # or zfs, with dataset: tank/ktrdr-shared',
  '  source: /srv/ktrdr-shared           # a btrfs subvolume (the NFS export)',
  '  dir: /srv/.snapshots/ktrdr-shared   # same btrfs file system, outside source',
  '  keep: { hourly: 24, daily: 30, weekly: 8 }',
].join('\n')

/** As in commands.ts: starts with a letter (a leading '-' would read as an option), no '@'. */
const ZFS_DATASET_RE = /^[A-Za-z][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer.replace(/\/+$/, '')}/`)

export function snapshotSettings(cfg: Config): SnapshotSettings {
  const s = cfg.stack.snapshots
  const file = cfg.files.stack
  if (!s) {
    throw new OpsError(`no snapshots: section in ${file}: snapshots are not configured for this config set`, {
      hint: `add one (see docs/snapshots.md):\n${EXAMPLE}`,
      exitCode: 2,
    })
  }
  const issues: ConfigIssue[] = []
  let target: SnapshotTarget
  if (s.backend === 'btrfs') {
    const source = s.source.replace(/\/+$/, '')
    const dir = s.dir.replace(/\/+$/, '')
    if (within(dir, source)) {
      issues.push({
        file,
        path: 'snapshots.dir',
        message: `${s.dir} is inside snapshots.source (${s.source}): the snapshots would show up in the NFS export`,
        fix:
          `put it next to the source on the same btrfs file system, e.g. ` +
          `${source.replace(/\/[^/]*$/, '')}/.snapshots/${source.split('/').pop()}`,
      })
    } else if (within(source, dir)) {
      issues.push({
        file,
        path: 'snapshots.source',
        message: `${s.source} is inside snapshots.dir (${s.dir})`,
        fix: 'give snapshots.dir a directory of its own, e.g. /srv/.snapshots/ktrdr-shared',
      })
    }
    if (source === '' || dir === '')
      issues.push({
        file,
        path: source === '' ? 'snapshots.source' : 'snapshots.dir',
        message: 'should not be the root directory /',
      })
    target = { backend: 'btrfs', source, snapshotDir: dir }
  } else {
    if (!ZFS_DATASET_RE.test(s.dataset))
      issues.push({
        file,
        path: 'snapshots.dataset',
        message: `should be a ZFS dataset like tank/ktrdr-shared, found ${JSON.stringify(s.dataset)}`,
      })
    target = { backend: 'zfs', dataset: s.dataset }
  }
  if (issues.length) throw new ConfigError(issues.map((i) => ({ ...i, ...lineOf(cfg, i.path) })))
  return { target, policy: { ...s.keep }, copyTo: s.copy_to, prefix: DEFAULT_PREFIX, host: cfg.stack.core.host, file }
}

/** Where `snapshots.dir` is in stack-config.yml, so the message reads file:line:col like the loader's. */
function lineOf(cfg: Config, path: string): { line?: number; col?: number } {
  try {
    return locate(parseYaml(readFileSync(join(cfg.dir, CONFIG_FILES.stack), 'utf8')), path.split('.')) ?? {}
  } catch {
    return {}
  }
}

/** One line for titles: `btrfs /srv/ktrdr-shared → /srv/.snapshots/ktrdr-shared`. */
export function describeTarget(t: SnapshotTarget): string {
  return t.backend === 'btrfs' ? `btrfs ${t.source} → ${t.snapshotDir}` : `zfs ${t.dataset}`
}

export function describePolicy(p: RetentionPolicy): string {
  return `hourly ${p.hourly}, daily ${p.daily}, weekly ${p.weekly}`
}
