// Rules that span fields or files: duplicate nodes, port clashes, hosts without an address,
// secrets given literal values, services missing what the contract requires.
import { CONTRACT, envEntries, specOf } from './contract.ts'
import type { YamlPath } from './locate.ts'
import type { SecretsFile, StackConfig, WorkerNodesFile } from './schema.ts'

export type FileKey = 'stack' | 'workers' | 'secrets'
export interface RawIssue {
  file: FileKey
  path: YamlPath
  message: string
  fix?: string
}

const REF_PATTERN = {
  op: /^op:\/\/[^/]+\/[^/]+(\/[^/]+)?\/[^/?]+(\?attribute=\w+)?$/,
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
  return [...checkNodes(stack, workers, names), ...checkServices(stack, names), ...checkSecrets(secrets)]
}

function checkNodes(stack: StackConfig, workers: WorkerNodesFile, names: Record<FileKey, string>): RawIssue[] {
  const issues: RawIssue[] = []
  const seen = new Map<string, number>()
  const paths = new Map<string, number>()
  const ports = new Map<string, { from: number; count: number; owner: string }[]>()
  const claim = (host: string, from: number, count: number, owner: string, path: YamlPath) => {
    const taken = ports.get(host) ?? []
    const range = (f: number, c: number) => (c > 1 ? `ports ${f}–${f + c - 1}` : `port ${f}`)
    const clash = taken.find((t) => t.from < from + count && from < t.from + t.count)
    if (clash) {
      const next = Math.max(...taken.map((t) => t.from + t.count))
      issues.push({
        file: 'workers',
        path,
        message:
          `${owner} (${range(from, count)}) and ` +
          `${clash.owner} (${range(clash.from, clash.count)}) share a port on host ${host}`,
        fix: `move ${owner} to port ${next} or later`,
      })
      return
    }
    taken.push({ from, count, owner })
    ports.set(host, taken)
  }
  claim(stack.core.host, stack.backend.port, 1, 'the backend', ['core'])
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
    claim(n.host, n.port, n.replicas, `node ${n.name}`, ['worker_nodes', i, 'port'])
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
      if (!v && literal === null)
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
    if (name === 'backend' || name === 'db') check(svc.env, ['core', 'services', name, 'env'], name)
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
      else if (!pattern.test(ref))
        issues.push({
          file: 'secrets',
          path: [section, name],
          message: /^[a-z]+:\/\//.test(ref)
            ? `not a valid ${secrets.provider} reference`
            : 'looks like a literal value: secrets must be references, never values',
          fix:
            `write ${REF_EXAMPLE[secrets.provider]}` +
            `${/^[a-z]+:\/\//.test(ref) ? '' : '; if that was a real secret, rotate it and purge it from git history'}`,
        })
    }
  return issues
}
