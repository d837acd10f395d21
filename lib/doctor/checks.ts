// make doctor: what a deploy needs, checked without changing anything — on the workstation (node, ssh, the
// secrets provider signed in, the config valid, each host's name resolving) and on every host (lib/doctor/
// doctor.sh: docker, compose v2, the shared mount, names, free disk). Every failure comes with its fix.
import { spawnSync } from 'node:child_process'
import { lookup } from 'node:dns/promises'
import { dirname } from 'node:path'
import type { Config } from '../config/model.ts'
import { events } from '../job/protocol.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { registryHost } from '../deploy/plan.ts'

export interface Check {
  name: string
  ok: boolean
  detail: string
  fix?: string
  /** A failure that would not stop a deploy (the docker CLI, needed for builds only). */
  soft?: boolean
}

/** The fix for each host check (lib/doctor/doctor.sh names the check; the words are here). */
export const HOST_FIXES: Record<string, string> = {
  docker: 'install Docker (apt install docker.io) and start it: systemctl enable --now docker',
  compose:
    'install the compose v2 plugin (apt install docker-compose-plugin, or docker-compose from trixie) ' +
    'into /usr/libexec/docker/cli-plugins',
  mount: 'mount the NFS export there (docs/runbook.md, "The shared mount is empty")',
  dns: 'check the host\'s resolver points at BIND and the zone has the record (docs/runbook.md, "DNS is down")',
  disk: 'free space: docker system prune (old images), or grow the disk',
}

export const MIN_FREE_MB = 1024

export function hostScript(cfg: Config, host: string): ScriptParts {
  const dirs = [
    ...(host === cfg.stack.core.host ? [dirname(cfg.stack.core.compose_path)] : []),
    ...cfg.nodes.filter((n) => n.host === host).map((n) => dirname(n.composePath)),
  ]
  const names = [registryHost(cfg).replace(/:\d+$/, ''), `${cfg.stack.core.host}.${cfg.stack.dns.zone}`]
  return {
    lib: ['doctor/doctor.sh'],
    body: [...bind({ shared: cfg.stack.shared.host_path, names, dirs, min_free_mb: MIN_FREE_MB }), 'doctor'],
  }
}

export function parseChecks(stdout: string): Check[] {
  return events(stdout)
    .filter((e) => e.event === 'check')
    .map((e) => {
      const [name = '', verdict = '', ...rest] = e.detail.split(' ')
      const ok = verdict === 'ok'
      return { name, ok, detail: rest.join(' '), ...(ok ? {} : { fix: HOST_FIXES[name] }) }
    })
}

const version = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '' }
}

/** The workstation's own checks (the config's are the caller's: it loads it first). */
export function localChecks(cfg: Config | undefined, provider: string): Check[] {
  const major = Number(process.versions.node.split('.')[0])
  const checks: Check[] = [
    {
      name: 'node',
      ok: major >= 20,
      detail: `node ${process.versions.node}`,
      fix: 'install Node.js 20 or newer',
    },
  ]
  const ssh = version('ssh', ['-V'])
  checks.push({ name: 'ssh', ok: ssh.ok, detail: ssh.ok ? ssh.out : 'ssh is not installed', fix: 'install OpenSSH' })
  const docker = version('docker', ['--version'])
  checks.push({
    name: 'docker',
    ok: docker.ok,
    soft: true,
    detail: docker.ok ? `${docker.out} (builds only)` : 'the docker CLI is not installed (needed to build images only)',
    fix: 'install Docker to build images (deploys do not need it)',
  })
  checks.push(secretsCheck(cfg, provider))
  return checks
}

function secretsCheck(cfg: Config | undefined, provider: string): Check {
  if (provider === 'op') {
    if (process.env.OP_SERVICE_ACCOUNT_TOKEN)
      return { name: 'op', ok: true, detail: 'a service-account token is set (OP_SERVICE_ACCOUNT_TOKEN)' }
    const r = spawnSync('op', ['whoami'], { encoding: 'utf8', timeout: 30_000 })
    if (r.error || r.status === 127)
      return {
        name: 'op',
        ok: false,
        detail: 'the 1Password CLI (op) is not installed',
        fix: 'install it: https://developer.1password.com/docs/cli/get-started/',
      }
    return r.status === 0
      ? { name: 'op', ok: true, detail: 'signed in' }
      : {
          name: 'op',
          ok: false,
          detail: `not signed in (${(r.stderr ?? '').replace(/^\[ERROR\] \S+ \S+ /, '').trim()})`,
          fix: 'eval $(op signin), or export OP_SERVICE_ACCOUNT_TOKEN; with 1Password down: SECRETS_PROVIDER=env',
        }
  }
  if (provider === 'env') {
    const refs = Object.entries(cfg?.secrets.secrets ?? {})
    const missing = refs
      .map(([name, ref]) => (ref.startsWith('env://') ? ref.slice(6) : name))
      .filter((v) => !process.env[v])
    return missing.length
      ? { name: 'env', ok: false, detail: `not set: ${missing.join(', ')}`, fix: 'export them before the deploy' }
      : { name: 'env', ok: true, detail: `all ${refs.length} secrets are set in the environment` }
  }
  const r = spawnSync('az', ['account', 'show', '--output', 'none'], { encoding: 'utf8', timeout: 30_000 })
  return r.status === 0
    ? { name: 'az', ok: true, detail: 'signed in' }
    : { name: 'az', ok: false, detail: 'not signed in, or az is not installed', fix: 'az login' }
}

/** Whether the workstation resolves each host's ssh target (what ssh -G says it connects to). */
export async function nameCheck(cfg: Config, target: string): Promise<Check> {
  const args = [...(cfg.stack.ssh.config_file ? ['-F', cfg.stack.ssh.config_file] : []), '-G', target]
  const g = spawnSync('ssh', args, { encoding: 'utf8', timeout: 15_000 })
  const host = /^hostname (\S+)$/m.exec(g.stdout ?? '')?.[1] ?? target.replace(/^.*@/, '')
  try {
    const a = await lookup(host)
    return { name: 'dns', ok: true, detail: `${host} is ${a.address} (from this machine)` }
  } catch {
    return {
      name: 'dns',
      ok: false,
      detail: `${host} does not resolve from this machine`,
      fix: 'check your resolver (the homelab BIND) — or ssh by address: docs/runbook.md, "DNS is down"',
    }
  }
}
