// --dry-run: per host, the exact script that would run, with secret values masked. No SSH, no secrets read.
import type { Config } from '../config/model.ts'
import { say } from '../cli/output.ts'
import { sshArgs, sshTarget } from '../job/ssh.ts'
import { previewScript, sh } from '../job/render.ts'
import type { HostDeploy } from './plan.ts'
import { type DeployOptions, deployBody, deployLib, preflightScript } from './scripts.ts'

export function printDryRun(cfg: Config, deploys: HostDeploy[], opts: DeployOptions): number {
  for (const d of deploys) {
    say(
      `[dry run] ${d.label} on ${d.host.name}: would run \`` +
        `${sh(['ssh', ...sshArgs(sshTarget(cfg, d.host, { multiplex: false }))])}\` ` +
        `with this script on stdin:`,
    )
    for (const line of previewScript(preflightScript(cfg, d))) say(`    ${line}`)
    say(
      '    # once every check passed, into the same shell ' +
        '(login and pull are left out when the host already holds every image at the registry digest):',
    )
    const env = ['REGISTRY_USERNAME', ...Object.keys(d.secretExports)]
    for (const line of previewScript({
      env: Object.fromEntries(env.map((n) => [n, ''])),
      lib: deployLib(d),
      body: deployBody(cfg, d, opts),
    }))
      say(`    ${line}`)
    say('')
  }
  return 0
}
