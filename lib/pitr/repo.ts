// After a deploy of the db with pitr: the repository's stanza set up at once (pitr.sh's pitr_repo, idempotent):
// until it exists every archive_command fails and WAL piles up in pg_wal. Said, not failed: the deploy itself
// succeeded, and make backup sets it up too.
import { coreTarget } from '../backup/job.ts'
import type { Pitr } from '../compose/pgbackrest.ts'
import type { Config } from '../config/model.ts'
import { jobFailure } from '../job/failure.ts'
import { repoScript } from './job.ts'

/** undefined when the repository is ready; else what to tell the operator. */
export async function setupRepository(cfg: Config, p: Pitr): Promise<string | undefined> {
  const t = coreTarget(cfg, false)
  try {
    const out = await t.run(repoScript(cfg, p))
    const err = jobFailure(t.place('pgBackRest repository'), out)
    return err
      ? `${err.message}: WAL archiving fails until it is set up (make backup does it, once the cause is fixed)`
      : undefined
  } finally {
    await t.close()
  }
}
