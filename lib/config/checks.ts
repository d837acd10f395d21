// Rules that span fields or files: duplicate nodes, port clashes, hosts without an address,
// secrets given literal values, services missing what the contract requires.
import { CONTRACT, envEntries, specOf } from './contract.ts'
import type { YamlPath } from './locate.ts'
import { CORE_PORTS, type CoreServiceName, type SecretsFile, type StackConfig, type WorkerNodesFile } from './schema.ts'

export type FileKey = 'stack' | 'workers' | 'secrets'
export interface RawIssue {
  file: FileKey
  path: YamlPath
  message: string
  fix?: string
}

const REF_PATTERN = {
  // op inject resolves only names of letters, digits, - _ . (1Password's template syntax): any other character
  // leaves the reference in its output as text, which would then be taken for the value.
  op: /^op:\/\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?\/[A-Za-z0-9_.-]+(\?attribute=\w+)?$/,
  azure: /^azkv:\/\/[a-zA-Z0-9-]{3,24}\/[a-zA-Z0-9-]{1,127}$/,
  env: /^env:\/\/[A-Z][A-Z0-9_]*$/,
} as const
const REF_EXAMPLE = {
  op: 'op://<vault>/<item>/<field>',
  azure: 'azkv://<key-vault>/<secret-name>',
  env: 'env://<VARIABLE>',
} as const

export function checkAll(
  stack: StackConfig,
  workers: WorkerNodesFile,
  secrets: SecretsFile,
  names: Record<FileKey, string>,
): RawIssue[] {
  return [
    ...checkNodes(stack, workers, names),
    ...checkServices(stack, names),
    ...checkSecrets(secrets),
    ...checkSecretsComplete(stack, secrets),
  ]
}

function checkNodes(stack: StackConfig, workers: WorkerNodesFile, names: Record<FileKey, string>): RawIssue[] {
  const issues: RawIssue[] = []
  const seen = new Map<string, number>()
  const paths = new Map<string, number>()
  // Ports are claimed per address: two host names on one address are one machine.
  const ports = new Map<string, { from: number; count: number; owner: string }[]>()
  const addressOf = (host: string, explicit?: string) => explicit ?? stack.hosts[host]?.address ?? host
  const range = (f: number, c: number) => (c > 1 ? `ports ${f}–${f + c - 1}` : `port ${f}`)
  const claim = (host: string, address: string, from: number, count: number, owner: string, path: YamlPath) => {
    const taken = ports.get(address) ?? []
    const clash = taken.find((t) => t.from < from + count && from < t.from + t.count)
    if (clash) {
      let next = from + 1
      while (taken.some((t) => t.from < next + count && next < t.from + t.count)) next++
      issues.push({
        file: path[0] === 'core' ? 'stack' : 'workers',
        path,
        message:
          `${owner} (${range(from, count)}) and ` +
          `${clash.owner} (${range(clash.from, clash.count)}) share a port on host ${host}`,
        fix: `move ${owner} to port ${next} or later`,
      })
      return
    }
    taken.push({ from, count, owner })
    ports.set(address, taken)
  }
  const core = stack.core.host
  const coreAddress = addressOf(core)
  const on = (svc: CoreServiceName) => {
    const s = stack.core.services[svc]
    return s !== undefined && !s.disabled
  }
  if (on('backend')) claim(core, coreAddress, stack.backend.port, 1, 'the backend', ['core'])
  if (on('db')) claim(core, coreAddress, stack.database.port, 1, 'the database', ['core'])
  for (const [svc, p] of Object.entries(CORE_PORTS) as [CoreServiceName, number][])
    if (on(svc)) claim(core, coreAddress, p, 1, `the core's ${svc}`, ['core'])
  // One address, one host: ssh, DNS and the published ports all tell hosts apart by it.
  const byAddress = new Map<string, string>()
  const sameAddress = (host: string, address: string, file: FileKey, path: YamlPath) => {
    const other = byAddress.get(address)
    if (other && other !== host)
      issues.push({
        file,
        path,
        message: `hosts ${other} and ${host} share the address ${address}`,
        fix: 'give each host its own address (or use one host name for both)',
      })
    else byAddress.set(address, host)
  }
  for (const [name, h] of Object.entries(stack.hosts)) sameAddress(name, h.address, 'stack', ['hosts', name, 'address'])
  workers.worker_nodes.forEach((n, i) => {
    if (n.address) sameAddress(n.host, n.address, 'workers', ['worker_nodes', i, 'address'])
  })
  workers.worker_nodes.forEach((n, i) => {
    const key = n.name.toLowerCase()
    if (seen.has(key))
      issues.push({
        file: 'workers',
        path: ['worker_nodes', i, 'name'],
        message: `duplicate node name "${n.name}" (also worker_nodes[${seen.get(key)}])`,
        fix: 'node names must be unique',
      })
    else seen.set(key, i)
    if (paths.has(n.compose_path))
      issues.push({
        file: 'workers',
        path: ['worker_nodes', i, 'compose_path'],
        message: `same compose_path as worker_nodes[${paths.get(n.compose_path)}]`,
        fix: 'give each node its own directory, e.g. /opt/ktrdr-workers-<x>/docker-compose.workers.yml',
      })
    else paths.set(n.compose_path, i)
    if (!n.address && !stack.hosts[n.host])
      issues.push({
        file: 'workers',
        path: ['worker_nodes', i, 'host'],
        message: `host ${n.host} has no static address`,
        fix: `add "address: <ip>" to this entry, or ${n.host}: { address: <ip> } under hosts: in ${names.stack}`,
      })
    const most = Math.max(1, n.replicas - 1)
    if (n.max_unavailable !== undefined && n.max_unavailable > most)
      issues.push({
        file: 'workers',
        path: ['worker_nodes', i, 'max_unavailable'],
        message:
          n.replicas === 1
            ? `max_unavailable ${n.max_unavailable} with one replica: a node's only worker is replaced on its own`
            : `max_unavailable ${n.max_unavailable} ≥ replicas ${n.replicas}: a rolling deploy would take every ` +
              `worker of node ${n.name} out at once`,
        fix: n.replicas === 1 ? 'use 1, or leave it out' : `use 1 to ${most} (or leave it out: 1)`,
      })
    const last = n.port + n.replicas - 1
    if (last > 65535)
      issues.push({
        file: 'workers',
        path: ['worker_nodes', i, 'port'],
        message: `node ${n.name}'s ${n.replicas} replicas would listen on ${range(n.port, n.replicas)}: past 65535`,
        fix: `use port ${65535 - n.replicas + 1} or lower`,
      })
    else claim(n.host, addressOf(n.host, n.address), n.port, n.replicas, `node ${n.name}`, ['worker_nodes', i, 'port'])
  })
  if (!stack.hosts[stack.core.host])
    issues.push({
      file: 'stack',
      path: ['core', 'host'],
      message: `core host ${stack.core.host} is not listed under hosts:`,
      fix: `add ${stack.core.host}: { address: <ip> } under hosts:`,
    })
  return issues
}

function checkServices(stack: StackConfig, names: Record<FileKey, string>): RawIssue[] {
  const issues: RawIssue[] = []
  const check = (spec: Parameters<typeof envEntries>[0], path: YamlPath, consumer: string) => {
    const entries = envEntries(spec)
    for (const [name, literal] of entries) {
      const v = specOf(name)
      const at = [...path, ...(Array.isArray(spec) ? [entries.findIndex(([n]) => n === name)] : [name])]
      if (v?.neededBy.includes('deploy'))
        issues.push({
          file: 'stack',
          path: at,
          message: `${name} is the deploy tool's own (the hosts' registry login); no service may get it`,
          fix: `remove ${name} from this list: every container of ${consumer} would hold it`,
        })
      else if (!v && literal === null)
        issues.push({
          file: 'stack',
          path: at,
          message: `unknown variable ${name}: not in the env contract`,
          fix: `give it a literal value (${name}: value), or use one of ${CONTRACT.map((c) => c.name).join(', ')}`,
        })
      else if (v?.kind === 'secret' && literal !== null)
        issues.push({
          file: 'stack',
          path: at,
          message: `${name} is a secret and was given a literal value`,
          fix:
            `remove the value (list the name only) and reference it in ${names.secrets} ` +
            `as op://<vault>/<item>/<field>; rotate it if it was real`,
        })
      else if (v?.kind === 'topology' && literal !== null)
        issues.push({
          file: 'stack',
          path: at,
          message: `${name} is topology, derived from hosts, zone and ports; it cannot be set by hand`,
          fix: 'remove the value and list the name only',
        })
    }
    for (const v of CONTRACT)
      if (v.neededBy.includes(consumer as never) && !entries.some(([n]) => n === v.name))
        issues.push({
          file: 'stack',
          path,
          message: `missing ${v.name}, which the contract requires for ${consumer}`,
          fix: `add ${v.name} to this list`,
        })
  }
  for (const [name, svc] of Object.entries(stack.core.services)) {
    if (!svc || svc.disabled) continue
    if (!svc.image && name !== 'backend')
      issues.push({
        file: 'stack',
        path: ['core', 'services', name, 'image'],
        message: 'required',
        fix: 'pin an exact image, e.g. name:1.2.3',
      })
    if (name === 'backend' || name === 'db' || name === 'grafana')
      check(svc.env, ['core', 'services', name, 'env'], name)
  }
  if (!stack.core.services.backend || stack.core.services.backend.disabled)
    issues.push({
      file: 'stack',
      path: ['core', 'services', 'backend'],
      message: 'required: the core stack always runs the backend',
    })
  check(stack.workers.env, ['workers', 'env'], 'worker')
  return issues
}

/** The secrets each environment the config has must reference: homelab always (secrets:), dev when the file
 * has dev_secrets: (all of them: dev never falls back). One issue per missing name, all at once. */
function checkSecretsComplete(stack: StackConfig, secrets: SecretsFile): RawIssue[] {
  const needed = new Map<string, Set<string>>()
  const need = (name: string, by: string) => {
    const v = specOf(name)
    if (v?.kind !== 'secret' || v.neededBy.includes('deploy')) return
    needed.set(name, (needed.get(name) ?? new Set()).add(by))
  }
  for (const svc of ['backend', 'db', 'grafana'] as const) {
    const s = stack.core.services[svc]
    if (s && !s.disabled) for (const [n] of envEntries(s.env)) need(n, svc)
  }
  for (const [n] of envEntries(stack.workers.env)) need(n, 'worker')
  const issues: RawIssue[] = []
  const sections = [
    ['secrets', true],
    ['dev_secrets', secrets.dev_secrets !== undefined],
  ] as const
  for (const [section, present] of sections) {
    if (!present) continue
    // Dev runs the app's services only (templates/docker-compose.dev.yml): grafana's password is the homelab's.
    const names = [
      ...[...needed.keys()].filter((n) => section === 'secrets' || [...needed.get(n)!].some((by) => by !== 'grafana')),
      ...(section === 'secrets' ? ['REGISTRY_PASSWORD'] : []),
    ]
    for (const name of names)
      if (!secrets[section]?.[name])
        issues.push({
          file: 'secrets',
          path: [section],
          message:
            `missing ${name}, needed by ${[...(needed.get(name) ?? ['the deploy (registry login)'])].join(', ')}` +
            (section === 'dev_secrets' ? ' (dev never falls back to secrets:)' : ''),
          fix: `add ${name}: ${REF_EXAMPLE[secrets.provider]} under ${section}:`,
        })
  }
  return issues
}

/** A reference in one scheme's spelling gone wrong (op:/v/i/f, op//v/i/f, azkv:/…), never taken for a value. */
const LOOKS_LIKE_REF = /^(op|azkv|env)\s*(:|\/\/)|^[a-z][a-z0-9+.-]*:\/\//

function checkSecrets(secrets: SecretsFile): RawIssue[] {
  const issues: RawIssue[] = []
  const pattern = REF_PATTERN[secrets.provider]
  for (const section of ['secrets', 'dev_secrets'] as const)
    for (const [name, ref] of Object.entries(secrets[section] ?? {})) {
      const v = specOf(name)
      if (!v)
        issues.push({
          file: 'secrets',
          path: [section, name],
          message: `${name} is not in the env contract`,
          fix: 'remove it, or fix the name',
        })
      else if (v.kind !== 'secret')
        issues.push({
          file: 'secrets',
          path: [section, name],
          message: `${name} is ${v.kind}, not a secret`,
          fix: 'remove it: it is derived from stack-config.yml',
        })
      else if (!pattern.test(ref)) {
        const ours = ref.startsWith(`${REF_EXAMPLE[secrets.provider].split(':')[0]}:`)
        const unresolvable =
          secrets.provider === 'op' && /^op:\/\/[^/]+\/[^/]+(\/[^/]+)?\/[^/?]+(\?attribute=\w+)?$/.test(ref)
        if (unresolvable) {
          issues.push({
            file: 'secrets',
            path: [section, name],
            message:
              'a name in this reference holds a character op inject does not resolve (only letters, digits, ' +
              '- _ . are): op would hand back the reference itself as the value',
            fix:
              "use the vault's or item's ID instead of its name (op item get <item> --format json shows " +
              'them), or rename it without those characters',
          })
          continue
        }
        issues.push({
          file: 'secrets',
          path: [section, name],
          message: LOOKS_LIKE_REF.test(ref)
            ? ours
              ? `a malformed ${secrets.provider} reference (${REF_EXAMPLE[secrets.provider]})`
              : `not an ${secrets.provider} reference (provider: ${secrets.provider} in this file)`
            : 'looks like a literal value: secrets must be references, never values',
          fix:
            `write ${REF_EXAMPLE[secrets.provider]}` +
            `${LOOKS_LIKE_REF.test(ref) ? '' : '; if that was a real secret, rotate it and purge it from git history'}`,
        })
      }
    }
  return issues
}
