// What every rendered compose file shares. Variable style (docs/deploy.md): plain values are written into
// the file; secrets are listed by bare name, so compose passes them through from the deploying shell.
// An operator on the host can run `docker compose ps` / `logs` with no secrets set: nothing is `${VAR:?}`.
import { stringify } from 'yaml'
import type { Config } from '../config/model.ts'
import type { PlannedVar } from '../contract/resolve.ts'

export type ComposeService = Record<string, unknown>

/** Plain values literally (compose-escaped); secrets as bare names taken from the shell at `up`. */
export function environment(vars: PlannedVar[], rename: Record<string, string> = {}): string[] {
  return vars.map((v) => {
    const name = rename[v.name] ?? v.name
    return v.kind === 'secret' ? name : `${name}=${(v.value ?? '').replaceAll('$', '$$$$')}`
  })
}

/**
 * Names for containers' /etc/hosts. Peers (<host>.<zone>) resolve through DNS, as design §6.3 has it (BIND):
 * an address changed or a node added needs its record, not a redeploy of every stack (docs/deploy.md, "Names").
 * Only aliases that no DNS can give are written: `db` for the backend when the core shares the host's network.
 */
export function extraHosts(aliases: Record<string, string>): { extra_hosts?: string[] } {
  const entries = Object.entries(aliases).map(([n, a]) => `${n}:${a}`)
  return entries.length ? { extra_hosts: entries.sort() } : {}
}

/** Network placement: publish on the host's address (bridge), or share the host's network (lab). */
export function network(cfg: Config, address: string, ports: number[]): ComposeService {
  if (cfg.stack.network.mode === 'host') return { network_mode: 'host' }
  return { ports: ports.map((p) => `${address}:${p}:${p}`) }
}

/** The config's health check overrides for our images (the image's test is kept: compose merges them). */
export function healthcheck(cfg: Config): ComposeService {
  const h = cfg.stack.healthcheck
  return h && Object.keys(h).length ? { healthcheck: { ...h } } : {}
}

export function sharedVolume(cfg: Config): string {
  return `${cfg.stack.shared.host_path}:${cfg.stack.shared.container_path}`
}

export function header(source: string, tag: string): string {
  return (
    `# Rendered by ktrdr-ops from ${source}. Do not edit on the host: change infra/ and redeploy.\n` +
    `# ktrdr-tag: ${tag}\n`
  )
}

export function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false })
}
