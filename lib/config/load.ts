// Load a config set: parse → normalise → validate. Every problem in every file is collected and thrown
// as one ConfigError whose lines read `file:line:col path: message (fix: …)`.
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { z } from 'zod'
import { type ConfigIssue, ConfigError } from '../errors.ts'
import { checkAll, type FileKey, type RawIssue } from './checks.ts'
import { formatPath, locate, type ParsedYaml, parseYaml, type YamlPath } from './locate.ts'
import type { Config, Host } from './model.ts'
import { secretsSchema, stackConfigSchema, workerNodesSchema } from './schema.ts'

export const CONFIG_FILES = { stack: 'stack-config.yml', workers: 'worker-nodes.yml', secrets: 'secrets.yml' } as const
export const DEFAULT_CONFIG_DIR = 'infra/homelab'

/** --config, else KTRDR_CONFIG_DIR, else infra/homelab. */
export function configDir(flag?: string): string {
  return flag || process.env.KTRDR_CONFIG_DIR || DEFAULT_CONFIG_DIR
}

function display(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

function zodMessage(issue: z.core.$ZodIssue): { path: YamlPath; message: string; key?: string } {
  const path = issue.path as YamlPath
  if (issue.code === 'invalid_type' && issue.input === undefined) return { path, message: 'required' }
  if (issue.code === 'invalid_type') {
    const got = Array.isArray(issue.input) ? 'a list' : issue.input === null ? 'null' : typeof issue.input
    return { path, message: `expected ${issue.expected}, found ${got}` }
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!
    return { path: [...path, key], message: `unknown field "${key}"`, key }
  }
  return { path, message: issue.message }
}

export function loadConfig(dirArg?: string): Config {
  const dir = resolve(configDir(dirArg))
  const files = Object.fromEntries(Object.entries(CONFIG_FILES).map(([k, f]) => [k, join(dir, f)])) as Record<
    FileKey,
    string
  >
  const names = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, display(f)])) as Record<FileKey, string>
  const issues: ConfigIssue[] = []
  const parsed = {} as Record<FileKey, ParsedYaml>
  const data = {} as Record<FileKey, unknown>
  for (const key of Object.keys(files) as FileKey[]) {
    let text: string
    try {
      text = readFileSync(files[key], 'utf8')
    } catch {
      issues.push({
        file: names[key],
        path: '',
        message: 'cannot read this file',
        fix:
          `create it (see ${DEFAULT_CONFIG_DIR}/${CONFIG_FILES[key]} for an example) ` +
          `or point --config at the right directory`,
      })
      continue
    }
    parsed[key] = parseYaml(text)
    const first = parsed[key].doc.errors[0] // later ones are usually echoes of the first
    if (first) {
      const pos = parsed[key].lines.linePos(first.pos[0])
      issues.push({
        file: names[key],
        line: pos.line,
        col: pos.col,
        path: '',
        message: `YAML syntax: ${first.message.split('\n')[0]}`,
      })
    }
    if (!parsed[key].doc.errors.length) data[key] = parsed[key].doc.toJS() ?? {}
  }
  const schemas = { stack: stackConfigSchema, workers: workerNodesSchema, secrets: secretsSchema }
  const out = {} as {
    stack: z.output<typeof stackConfigSchema>
    workers: z.output<typeof workerNodesSchema>
    secrets: z.output<typeof secretsSchema>
  }
  for (const key of Object.keys(schemas) as FileKey[]) {
    if (!(key in data)) continue
    const r = schemas[key].safeParse(data[key], { reportInput: true })
    if (r.success) (out as Record<FileKey, unknown>)[key] = r.data
    else
      for (const zi of r.error.issues) {
        const m = zodMessage(zi)
        const pos = locate(parsed[key], m.key ? m.path.slice(0, -1) : m.path, m.key)
        issues.push({ file: names[key], line: pos?.line, col: pos?.col, path: formatPath(m.path), message: m.message })
      }
  }
  if (!issues.length)
    issues.push(...checkAll(out.stack, out.workers, out.secrets, names).map((i) => toIssue(i, parsed, names)))
  if (issues.length) throw new ConfigError(issues)
  return normalise(dir, names, out)
}

function toIssue(i: RawIssue, parsed: Record<FileKey, ParsedYaml>, names: Record<FileKey, string>): ConfigIssue {
  const pos = locate(parsed[i.file], i.path)
  return {
    file: names[i.file],
    line: pos?.line,
    col: pos?.col,
    path: formatPath(i.path),
    message: i.message,
    fix: i.fix,
  }
}

function normalise(
  dir: string,
  files: Record<FileKey, string>,
  raw: { stack: Config['stack']; workers: z.output<typeof workerNodesSchema>; secrets: Config['secrets'] },
): Config {
  const { stack } = raw
  const sshTarget = (host: string, explicit?: string) => explicit ?? `${stack.ssh.user}@${host}.${stack.dns.zone}`
  const hosts = new Map<string, Host>()
  for (const [name, h] of Object.entries(stack.hosts))
    hosts.set(name, { name, address: h.address, ssh: sshTarget(name, h.ssh) })
  for (const n of raw.workers.worker_nodes) {
    const known = hosts.get(n.host)
    hosts.set(n.host, {
      name: n.host,
      address: n.address ?? known!.address,
      ssh: n.ssh ?? known?.ssh ?? sshTarget(n.host),
    })
  }
  if (stack.ssh.config_file && !isAbsolute(stack.ssh.config_file))
    stack.ssh.config_file = resolve(dir, stack.ssh.config_file)
  const nodes = raw.workers.worker_nodes.map((n) => ({
    name: n.name,
    host: n.host,
    composePath: n.compose_path,
    replicas: n.replicas,
    port: n.port,
  }))
  return { dir, files, stack, nodes, hosts, secrets: raw.secrets }
}
