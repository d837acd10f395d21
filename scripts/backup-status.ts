// backup-status — every figure of the backups on the core host, each against its threshold (monitoring: in
// stack-config.yml): the newest dump (its sha256 checked now), base backup, archived WAL, restore drill,
// snapshot and copy off node A. Exit 1 when any is red, each named; --json for monitoring (schema in
// docs/backup.md). It writes the Prometheus textfile too, as every backup and snapshot job does.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { checkNewest, parseSums, sumsScript, timerLine, timerScript } from '../lib/backup/inventory.ts'
import { drillLine, listLines, statusVerdict } from '../lib/backup/status.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { checks, parseFigures, watchScript } from '../lib/watch/checks.ts'
import { checkLines, JSON_SCHEMA, statusJson, textfile, textfileScript } from '../lib/watch/report.ts'

void main(
  {
    name: 'backup-status',
    summary:
      'every backup figure against its threshold (dump, base backup, WAL archive, drill, snapshot, copy); ' +
      'exit 1 when any is red',
    flags: {
      local: { type: 'boolean', description: 'read the backups directory on this machine instead of over SSH' },
      json: {
        type: 'boolean',
        description: `print one JSON document (schema ${JSON_SCHEMA}, docs/backup.md)`,
      },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const t = coreTarget(cfg, Boolean(flags.local))
    const run = (p: Parameters<typeof t.runOrThrow>[0]) => t.runOrThrow(p, { label: 'backup-status' })
    try {
      const figures = parseFigures(cfg, (await run(watchScript(cfg))).stdout)
      const entries = figures.entries
      // The newest backups' sha256 now (a full read: seconds per GB), so a damaged file is never "verified".
      await checkNewest(entries, async (files) => parseSums((await run(sumsScript(cfg, files))).stdout))
      const now = figures.hostNow ?? new Date() // the core host's clock: ages are its, whatever this machine's says
      const cs = checks(cfg, figures, now)
      const written = await run(textfileScript(cfg, textfile(cs, now))).then(
        () => undefined,
        (e: Error) => `warning: the Prometheus textfile ${cfg.stack.monitoring.textfile} was not written: ${e.message}`,
      )
      const redCount = cs.filter((c) => c.state === 'red').length
      if (flags.json) {
        say(JSON.stringify(statusJson(cs, now, cfg.stack.core.host), null, 2))
        if (written) process.stderr.write(`${written}\n`)
        return redCount ? 1 : 0
      }
      say(statusVerdict(entries, cfg.stack.backups.status_max_age_hours, now).line)
      say(timerLine((await t.run(timerScript(cfg))).stdout))
      say(drillLine(entries, now))
      say('')
      for (const l of checkLines(cs)) say(l)
      if (written) say(written)
      say('')
      say(`backups in ${cfg.stack.shared.host_path}/${cfg.stack.backups.subdir} on ${t.name}:`)
      for (const l of listLines(entries, now)) say(l)
      return redCount ? 1 : 0
    } finally {
      await t.close()
    }
  },
)
