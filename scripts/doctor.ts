// doctor — everything a deploy needs, checked without changing anything; non-zero when something would stop one.
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { loadConfig } from '../lib/config/load.ts'
import { type Config, hostOf } from '../lib/config/model.ts'
import { SECRET_PROVIDERS } from '../lib/config/schema.ts'
import { type Check, hostScript, localChecks, nameCheck, parseChecks } from '../lib/doctor/checks.ts'
import { ConfigError, OpsError } from '../lib/errors.ts'
import { jobHost } from '../lib/job/host.ts'

const mark = (c: Check) => (c.ok ? 'ok  ' : c.soft ? 'note' : 'FAIL')
const line = (c: Check) => `  ${mark(c)} ${c.name.padEnd(8)} ${c.detail}${c.ok || !c.fix ? '' : ` — fix: ${c.fix}`}`

void main(
  {
    name: 'doctor',
    summary: 'check the workstation and every host for what a deploy needs (read-only; non-zero if one would fail)',
    flags: {
      'secrets-provider': {
        type: 'string',
        description: 'where secrets come from (default: provider: in secrets.yml)',
        choices: [...SECRET_PROVIDERS],
      },
    },
  },
  async (flags) => {
    let cfg: Config | undefined
    let configCheck: Check
    try {
      cfg = loadConfig(flags.config as string | undefined)
      configCheck = { name: 'config', ok: true, detail: `${cfg.dir} is valid` }
    } catch (e) {
      const what = e instanceof ConfigError ? e.message : e instanceof OpsError ? e.message : String(e)
      configCheck = { name: 'config', ok: false, detail: `invalid:\n${what}`, fix: 'make validate shows every line' }
    }
    const provider = (flags['secrets-provider'] as string | undefined) ?? cfg?.secrets.provider ?? 'op'
    const hosts = cfg ? [...new Set([cfg.stack.core.host, ...cfg.nodes.map((n) => n.host)])] : []
    // Every host at once: ssh, then its own checks, in one session each.
    const perHost = await Promise.all(
      hosts.map(async (name) => {
        const c = cfg!
        const checks: Check[] = [await nameCheck(c, hostOf(c, name).ssh)]
        const h = jobHost(c, name)
        try {
          const out = await h.runOrThrow(hostScript(c, name))
          checks.unshift({ name: 'ssh', ok: true, detail: hostOf(c, name).ssh })
          checks.push(...parseChecks(out.stdout))
        } catch (e) {
          const err = e instanceof OpsError ? e : new OpsError(String(e))
          checks.unshift({ name: 'ssh', ok: false, detail: err.message, fix: err.hint ?? 'check the host is up' })
        } finally {
          await h.close()
        }
        return { name, checks }
      }),
    )
    const local = [...localChecks(cfg, provider), configCheck]
    say('this machine')
    for (const c of local) say(line(c))
    for (const h of perHost) {
      say(`${h.name}`)
      for (const c of h.checks) say(line(c))
    }
    const failed = [...local, ...perHost.flatMap((h) => h.checks)].filter((c) => !c.ok && !c.soft)
    say('')
    say(failed.length ? `${failed.length} problem(s) would stop a deploy` : 'ready to deploy')
    return failed.length ? 1 : 0
  },
)
