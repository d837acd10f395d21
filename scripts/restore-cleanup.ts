// restore-cleanup — drop the replaced copies a restore kept (<database>_old_<stamp>): each restore renames the
// database it replaces instead of dumping and dropping it while the backend is down (docs/backup.md). Lists
// them with their sizes, asks (YES=1), drops them under the restore's lock; nothing else is ever dropped. The
// prune after each backup drops those older than backups.replaced_keep_days on its own. With pitr:, the
// clusters point-in-time restores kept beside the live one in the db volume (.ktrdr-side/replaced-<stamp>) too.
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
import { type KeptCluster, listKept } from '../lib/pitr/side.ts'
import { sideDropScript } from '../lib/pitr/job.ts'
import { SIDE_DIR } from '../lib/compose/pgbackrest.ts'

void main(
  {
    name: 'restore-cleanup',
    summary:
      'drop the replaced copies of the database that restores kept (<database>_old_<stamp>), and the clusters ' +
      'point-in-time restores kept',
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
      const pitr = cfg.stack.pitr
      const [copies, clusters] = await Promise.all([
        listReplaced(cfg, t, live),
        pitr ? listKept(cfg, pitr, t) : Promise.resolve([] as KeptCluster[]),
      ])
      if (!copies.length && !clusters.length) {
        say(`no replaced copy of "${live}"${pitr ? ' and no kept cluster' : ''} on ${t.name}: nothing to drop`)
        return 0
      }
      if (copies.length) say(`replaced copies of "${live}" on ${t.name}, kept by restores:`)
      for (const c of copies) say(`  ${c.name}  ${mb(c.bytes)}  (kept since ${c.at.toISOString()})`)
      if (clusters.length) say(`clusters kept by point-in-time restores, in the db volume's ${SIDE_DIR}:`)
      for (const c of clusters) say(`  ${c.name}  ${mb(c.bytes)}  (kept since ${c.at.toISOString()})`)
      if (flags.list) return 0
      const total = [...copies, ...clusters].reduce((n, c) => n + c.bytes, 0)
      const what = [
        ...(copies.length ? [replacedCopies(copies.length)] : []),
        ...(clusters.length ? [`${clusters.length} kept cluster${clusters.length === 1 ? '' : 's'}`] : []),
      ].join(' and ')
      if (!(await confirmOrFlag(`Drop ${what} (${mb(total)})?`, { yes: Boolean(flags.yes) }))) return 1
      const names = copies.map((c) => c.name)
      const dirs = clusters.map((c) => c.name)
      await runTree(
        [
          {
            title: `Drop ${names.join(', ')} on ${t.name}`,
            enabled: () => names.length > 0,
            task: async () => {
              await t.runOrThrow(dropReplacedScript(cfg, live, names), { label: 'restore-cleanup' })
            },
          },
          {
            title: `Remove ${dirs.join(', ')} from ${SIDE_DIR} on ${t.name}`,
            enabled: () => dirs.length > 0 && pitr !== undefined,
            task: async () => {
              await t.runOrThrow(sideDropScript(cfg, pitr!, dirs), { label: 'restore-cleanup (clusters)' })
            },
          },
        ],
        {},
      )
      say(`dropped ${[...names, ...dirs].join(', ')}: ${mb(total)} freed`)
      return 0
    } finally {
      await t.close()
    }
  },
)
