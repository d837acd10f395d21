// Load a config set: parse → normalise → validate. Every problem in every file is collected and thrown
// as one ConfigError whose lines read `file:line:col path: message (fix: …)`.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { z } from 'zod'
import { type ConfigIssue, ConfigError } from '../errors.ts'
import { checkAll, type FileKey, type RawIssue } from './checks.ts'
import { formatPath, locate, type ParsedYaml, parseYaml, type YamlPath } from './locate.ts'
import { type Config, durationSeconds, type Host } from './model.ts'
import {
  type SecretsFile,
  type StackConfig,
  secretsSchema,
  stackConfigSchema,
  type WorkerNodesFile,
  workerNodesSchema,
} from './schema.ts'
import { NO, zodLib } from './shape.ts'

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

/** The fix for a YAML error: by its code, or, where one code has several causes, by the library's words. */
function yamlFix(code: string, message: string): string | undefined {
  // A line indented one space short of its list item's keys, or a "- " out of line with its list's.
  if (code === 'MISSING_CHAR' && message.startsWith('Sequence item without - indicator'))
    return 'this line is indented like a list item but has no "- ": line it up with the keys of the item above'
  if (code === 'BLOCK_AS_IMPLICIT_KEY' && message.startsWith('A block sequence may not be used'))
    return 'this "- " is not lined up with the items before it: give every item of one list the same indentation'
  return YAML_FIXES[code]
}

/** YAML's own wording, said plainly: what the parser's error code means in a config file, and the fix. */
const YAML_FIXES: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY:
    'a value on this line holds ": " (key: a: b): quote the value ("a: b"), or put the inner mapping on its own ' +
    'indented lines',
  BAD_INDENT: 'the items of one mapping or list must start at the same column: line this one up with its siblings',
  TAB_AS_INDENT: 'YAML indents with spaces only: replace the tab with spaces',
  DUPLICATE_KEY: 'this key appears twice in the same mapping: keep one',
  MISSING_CHAR: 'a quote or bracket opened here is never closed: close it on the same line',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: a value spanning lines needs quotes or | / >',
  UNEXPECTED_TOKEN: 'the indentation or a missing "- " or ":" breaks the structure here: compare with the lines above',
}

/** The closest of `known` to `typo` (edit distance ≤ 2, or one contains the other), for "did you mean". */
export function closest(typo: string, known: string[]): string | undefined {
  const d = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i)
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!
      row[0] = i
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
        // Two letters swapped (replcias) count as one edit.
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, prev)
        prev = cur
      }
    }
    return row[b.length]!
  }
  const scored = known.map((k) => ({ k, n: d(typo.toLowerCase(), k) })).sort((a, b) => a.n - b.n)
  const best = scored[0]
  return best && best.n <= Math.max(1, Math.min(2, Math.floor(typo.length / 3))) ? best.k : undefined
}

/** The field names a strict object accepts at `path` inside `schema` (for an unknown key's suggestion). */
function knownKeys(schema: z.core.$ZodType, path: YamlPath): string[] {
  let nodes: z.core.$ZodType[] = [schema]
  const unwrap = (n: z.core.$ZodType): z.core.$ZodType[] => {
    const def = (n as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
    if (['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch'].includes(def.type))
      return unwrap(def.innerType as z.core.$ZodType)
    if (def.type === 'pipe') return unwrap(def.in as z.core.$ZodType)
    if (def.type === 'union') return (def.options as z.core.$ZodType[]).flatMap(unwrap)
    return [n]
  }
  const child = (n: z.core.$ZodType, seg: string | number): z.core.$ZodType[] => {
    const def = (n as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
    if (def.type === 'object') {
      const next = (def.shape as Record<string, z.core.$ZodType>)[String(seg)]
      return next ? unwrap(next) : []
    }
    if (def.type === 'array') return unwrap(def.element as z.core.$ZodType)
    if (def.type === 'record') return unwrap(def.valueType as z.core.$ZodType)
    return []
  }
  nodes = nodes.flatMap(unwrap)
  for (const seg of path) nodes = nodes.flatMap((n) => child(n, seg))
  return nodes.flatMap((n) => {
    const def = (n as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
    return def.type === 'object' ? Object.keys(def.shape as object) : []
  })
}

function zodMessage(
  issue: z.core.$ZodIssue,
  schema: z.core.$ZodType,
): { path: YamlPath; message: string; key?: string; fix?: string } {
  const path = issue.path as YamlPath
  if (issue.code === 'invalid_type' && issue.input === undefined) return { path, message: 'required' }
  if (issue.code === 'invalid_type') {
    const got = Array.isArray(issue.input) ? 'a list' : issue.input === null ? 'null' : typeof issue.input
    return { path, message: `expected ${issue.expected}, found ${got}` }
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!
    const known = knownKeys(schema, path)
    const near = closest(key, known)
    return {
      path: [...path, key],
      message: `unknown field "${key}"${near ? `: did you mean "${near}"?` : ''}`,
      key,
      fix: known.length ? `the fields here are ${known.join(', ')}` : undefined,
    }
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
    const error = parsed[key].error
    if (error)
      issues.push({
        file: names[key],
        line: error.line,
        col: error.col,
        path: '',
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
        fix: yamlFix(error.code, error.message),
      })
    else data[key] = parsed[key].value ?? {}
  }
  const schemas = { stack: stackConfigSchema, workers: workerNodesSchema, secrets: secretsSchema }
  const out = {} as { stack: StackConfig; workers: WorkerNodesFile; secrets: SecretsFile }
  for (const key of Object.keys(schemas) as FileKey[]) {
    if (!(key in data)) continue
    // The builders' own check gives zod's value for a file zod accepts; only a file it refuses meets zod.
    const value = schemas[key].check(data[key])
    if (value !== NO) {
      ;(out as Record<FileKey, unknown>)[key] = value
      continue
    }
    const schema = schemas[key].zod()
    const r = zodLib().safeParse(schema, data[key], { reportInput: true })
    if (r.success) (out as Record<FileKey, unknown>)[key] = r.data
    else
      for (const zi of r.error.issues) {
        const m = zodMessage(zi, schema)
        const pos = locate(parsed[key], m.key ? m.path.slice(0, -1) : m.path, m.key)
        issues.push({
          file: names[key],
          line: pos?.line,
          col: pos?.col,
          path: formatPath(m.path),
          message: m.message,
          fix: m.fix,
        })
      }
  }
  if (!issues.length)
    issues.push(...checkAll(out.stack, out.workers, out.secrets, names).map((i) => toIssue(i, parsed, names)))
  const sshConfig = out.stack?.ssh.config_file
  if (sshConfig && !existsSync(resolve(dir, sshConfig)))
    issues.push({
      ...toIssue({ file: 'stack', path: ['ssh', 'config_file'], message: '' }, parsed, names),
      message: `no such file: ${resolve(dir, sshConfig)}`,
      fix: 'create it, fix the path (relative paths are from the config directory), or remove the line',
    })
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
  raw: { stack: Config['stack']; workers: WorkerNodesFile; secrets: Config['secrets'] },
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
    drainTimeoutS: durationSeconds(n.drain_timeout)!, // the schema checked its form
    maxUnavailable: n.max_unavailable ?? 1,
    ...(n.stop_grace_period ? { stopGracePeriod: n.stop_grace_period } : {}),
  }))
  return { dir, files, stack, nodes, hosts, secrets: raw.secrets }
}
