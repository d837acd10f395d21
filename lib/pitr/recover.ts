// make recover-core with pitr: once the recovered cluster holds the restored dump, the repository is taken over
// for it (a fresh initdb is another cluster to pgBackRest: its stanza is upgraded, the lost cluster's backups
// and WAL stay) and a full base backup is taken at once, so the recovered cluster can be restored to a moment
// from now on, not only from the next make backup.
import type { ListrTask } from 'listr2'
import type { Pitr } from '../compose/pgbackrest.ts'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import { runBaseBackup } from './base-backup.ts'
import { repoScript } from './job.ts'

export function pitrRecoverTask<C extends { warnings?: string[] }>(cfg: Config, p: Pitr, t: JobHost): ListrTask<C> {
  return {
    title: 'Archive the recovered cluster: the pgBackRest repository taken over for it, a full base backup',
    task: async (c, task) => {
      const repo = await t.runOrThrow(repoScript(cfg, p, true), {
        label: 'pgBackRest repository',
        onStep: (step) => (task.output = step),
      })
      c.warnings = [
        ...(c.warnings ?? []),
        ...events(repo.stdout)
          .filter((e) => e.event === 'warn')
          .map((e) => e.detail),
      ]
      const label = await runBaseBackup(cfg, p, t, 'full', (step) => (task.output = step))
      task.title = `Archiving the recovered cluster: full base backup ${label} in the pgBackRest repository`
    },
  }
}
