// make backup's second part when pitr: is configured: a base backup into pgBackRest's repository — full when
// the newest full one is older than pitr.full_every_days (or there is none), differential otherwise.
import type { ListrTask } from 'listr2'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import type { Pitr } from '../compose/pgbackrest.ts'
import { newestFull, type PitrInfo, parseInfo } from './info.ts'
import { baseBackupScript, pitrInfoScript } from './job.ts'

const DAY = 86_400_000

/** full when the newest full base backup is older than full_every_days (or there is none), else diff. */
export function baseBackupType(p: Pitr, info: PitrInfo | undefined, now: Date): 'full' | 'diff' {
  const full = info && newestFull(info)
  return full && now.getTime() - full.getTime() < p.full_every_days * DAY ? 'diff' : 'full'
}

/** One base backup of `type` (its stanza set up first if need be); returns its label. */
export async function runBaseBackup(
  cfg: Config,
  p: Pitr,
  t: JobHost,
  type: 'full' | 'diff',
  onStep?: (step: string) => void,
): Promise<string> {
  const out = await t.runOrThrow(baseBackupScript(cfg, p, type), { label: 'base backup', onStep })
  return (
    events(out.stdout)
      .find((e) => e.event === 'base-backup')
      ?.detail.trim() ?? '?'
  )
}

export interface BaseBackupCtx {
  baseBackup?: { label: string; type: 'full' | 'diff' }
}

export function baseBackupTask<C extends BaseBackupCtx>(cfg: Config, p: Pitr, t: JobHost, now: Date): ListrTask<C> {
  return {
    title: `Base backup into the pgBackRest repository (WAL archived continuously, every ${p.archive_timeout} s)`,
    task: async (c, task) => {
      // No repository yet (the first run): a full one, which creates it.
      const read = await t.run(pitrInfoScript(cfg, p))
      const type = baseBackupType(p, read.exitCode === 0 ? parseInfo(read.stdout) : undefined, now)
      const label = await runBaseBackup(cfg, p, t, type, (step) => (task.output = step))
      c.baseBackup = { label, type }
      task.title = `Base backup ${label} (${type === 'full' ? 'full' : 'differential'}) into the pgBackRest repository`
    },
  }
}
