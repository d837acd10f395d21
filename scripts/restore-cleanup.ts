// restore-cleanup — drop the replaced copies a restore kept (<database>_old_<stamp>): each restore renames the
// database it replaces instead of dumping and dropping it while the backend is down (docs/backup.md). Lists
// them with their sizes, asks (YES=1), drops them under the restore's lock; nothing else is ever dropped. The
// prune after each backup drops those older than backups.replaced_keep_days on its own.
import { main } from '../lib/cli/main.ts'
import { confirmOrFlag } from '../lib/cli/confirm.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { loadConfig } from '../lib/config/load.ts'
import { PG_IDENTIFIER } from '../lib/config/schema.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { OpsError } from '../lib/errors.ts'
import { listReplaced, mb, replacedCopies } from '../lib/restore/cleanup.ts'
import { dropReplacedScript } from '../lib/restore/job.ts'

void main(
  {
    name: 'restore-cleanup',
    summary: 'drop the replaced copies of the database that restores kept (<database>_old_<stamp>)',
    flags: {
      database: { type: 'string', description: 'the restored database (default: database.name in stack-config.yml)' },
      yes: { type: 'boolean', description: 'answer the confirmation (required without a terminal)' },
      list: { type: 'boolean', description: 'list the replaced copies and stop' },
      local: { type: 'boolean', description: 'run on this machine (the core host) instead of over SSH' },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const live = (flags.database as string | undefined) ?? cfg.stack.database.name
    if (!PG_IDENTIFIER.test(live))
      throw new OpsError(`--database ${JSON.stringify(live)}: not a plain lower-case identifier`, {
        hint: 'pass the database name as PostgreSQL stores it, e.g. DATABASE=ktrdr',
        exitCode: 2,
      })
    const t = coreTarget(cfg, Boolean(flags.local))
    try {
      const copies = await listReplaced(cfg, t, live)
      if (!copies.length) {
        say(`no replaced copy of "${live}" on ${t.name}: nothing to drop`)
        return 0
      }
      say(`replaced copies of "${live}" on ${t.name}, kept by restores:`)
      for (const c of copies) say(`  ${c.name}  ${mb(c.bytes)}  (kept since ${c.at.toISOString()})`)
      if (flags.list) return 0
      const total = copies.reduce((n, c) => n + c.bytes, 0)
      const question = `Drop ${replacedCopies(copies.length)} (${mb(total)})?`
      if (!(await confirmOrFlag(question, { yes: Boolean(flags.yes) }))) return 1
      const names = copies.map((c) => c.name)
      await runTree(
        [
          {
            title: `Drop ${names.join(', ')} on ${t.name}`,
            task: async () => {
              await t.runOrThrow(dropReplacedScript(cfg, live, names), { label: 'restore-cleanup' })
            },
          },
        ],
        {},
      )
      say(`dropped ${names.join(', ')}: ${mb(total)} freed`)
      return 0
    } finally {
      await t.close()
    }
  },
)
