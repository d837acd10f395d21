// backup-status — age, size and verification of the newest backup; non-zero when it is too old (monitoring).
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import {
  checkNewest,
  inventoryScript,
  parseInventory,
  parseSums,
  sumsScript,
  timerLine,
  timerScript,
} from '../lib/backup/inventory.ts'
import { drillLine, listLines, statusVerdict } from '../lib/backup/status.ts'
import { coreTarget } from '../lib/backup/job.ts'
import { jobFailure } from '../lib/job/failure.ts'

void main(
  {
    name: 'backup-status',
    summary:
      'newest verified backup: age, size, its sha256 checked now; exit 1 past status_max_age_hours or when damaged',
    flags: {
      local: { type: 'boolean', description: 'read the backups directory on this machine instead of over SSH' },
    },
  },
  async (flags) => {
    const cfg = loadConfig(flags.config as string | undefined)
    const t = coreTarget(cfg, Boolean(flags.local))
    try {
      const out = await t.run(inventoryScript(cfg))
      const err = jobFailure(t.place('backup-status'), out)
      if (err) throw err
      const entries = parseInventory(out.stdout)
      // The newest backups' sha256 now (a full read: seconds per GB), so a damaged file is never "verified".
      await checkNewest(entries, async (files) => {
        const o = await t.run(sumsScript(cfg, files))
        const e = jobFailure(t.place('backup-status'), o)
        if (e) throw e
        return parseSums(o.stdout)
      })
      const now = new Date()
      const v = statusVerdict(entries, cfg.stack.backups.status_max_age_hours, now)
      say(v.line)
      say(timerLine((await t.run(timerScript(cfg))).stdout))
      say(drillLine(entries, now))
      say('')
      say(`backups in ${cfg.stack.shared.host_path}/${cfg.stack.backups.subdir} on ${t.name}:`)
      for (const l of listLines(entries, now)) say(l)
      return v.ok ? 0 : 1
    } finally {
      await t.close()
    }
  },
)
