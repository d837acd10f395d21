// deploy-core — deploy the core stack (db, backend, prometheus, grafana, jaeger, nfs-server) over SSH: §7.1–7.3.
import { main } from '../lib/cli/main.ts'
import { enabledCoreServices } from '../lib/config/model.ts'
import { UsageError } from '../lib/errors.ts'
import { loadConfig } from '../lib/config/load.ts'
import { printDryRun } from '../lib/deploy/dry-run.ts'
import { DEPLOY_FLAGS } from '../lib/deploy/flags.ts'
import { checkTag, planCore } from '../lib/deploy/plan.ts'
import { runDeploy } from '../lib/deploy/run.ts'
import { chooseProvider } from '../lib/secrets/provider.ts'
import { say, warn } from '../lib/cli/output.ts'
import { setupRepository } from '../lib/pitr/repo.ts'
import { dbPinAfter, dbPinBefore } from '../lib/db-pin/run.ts'

void main(
  {
    name: 'deploy-core',
    summary: 'render docker-compose.core.yml (+ prometheus.yml, grafana datasource) and deploy it to the core host',
    flags: { service: { type: 'string', description: 'one core service, or all (required)' }, ...DEPLOY_FLAGS },
  },
  async (flags) => {
    const tag = checkTag(flags.tag as string | undefined)
    const cfg = loadConfig(flags.config as string | undefined)
    if (!flags.service)
      throw new UsageError(
        'no service: pass SERVICE=<name> or SERVICE=all (make), or --service',
        `this config runs ${enabledCoreServices(cfg).join(', ')} (${cfg.files.stack}, core.services)`,
      )
    const deploys = [planCore(cfg, flags.service as string, tag)]
    const opts = { tag, forceUnlock: Boolean(flags['force-unlock']), healthTimeoutS: Number(flags['health-timeout']) }
    if (flags['dry-run']) return printDryRun(cfg, deploys, opts)
    const provider = chooseProvider(cfg, flags['secrets-provider'] as string | undefined)
    const withDb = deploys[0]!.services.includes('db')
    // A new db pin of another PostgreSQL major is refused here, before anything changes.
    const notes: string[] = []
    const before = withDb ? await dbPinBefore(cfg, notes) : '-'
    for (const n of notes) warn(`note: ${n}`)
    const code = await runDeploy(cfg, deploys, opts, provider)
    if (code !== 0 || !withDb) return code
    // With pitr: the repository's stanza, so the db's archive_command succeeds from its first segment.
    if (cfg.stack.pitr) {
      const problem = await setupRepository(cfg, cfg.stack.pitr)
      if (problem) warn(`warning: ${problem}`)
      else say('WAL archiving: the pgBackRest repository is ready')
    }
    for (const line of await dbPinAfter(cfg, before)) (line.startsWith('warning:') ? warn : say)(line)
    return code
  },
)
