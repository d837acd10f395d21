// The loaded, normalised config that every job reads. Built by load.ts; pure helpers below.
import { OpsError } from '../errors.ts'
import { DURATION, type SecretsFile, type StackConfig } from './schema.ts'

export interface ConfigFiles {
  stack: string
  workers: string
  secrets: string
}

export interface WorkerNode {
  name: string
  host: string
  composePath: string
  replicas: number
  /** First port of this node's replicas; replica r listens on port + r - 1. */
  port: number
  /** A rolling deploy's wait for a busy replica to finish its job, in seconds. */
  drainTimeoutS: number
  /** Replicas out at once during a rolling deploy. */
  maxUnavailable: number
  /** compose's stop_grace_period, as written in worker-nodes.yml; compose's default (10s) when absent. */
  stopGracePeriod?: string
}

/** Seconds in a compose duration (500ms, 3s, 2m, 1h), rounded up; undefined for anything else. */
export function durationSeconds(d: string): number | undefined {
  const m = DURATION.exec(d)
  if (!m) return undefined
  const n = Number(m[1])
  return m[2] === 'ms' ? Math.ceil(n / 1000) : n * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h']
}

export interface Host {
  name: string
  address: string
  /** What `ssh` is given: user@target, where target is an ssh_config alias or a DNS name. */
  ssh: string
}

export interface Config {
  dir: string
  files: ConfigFiles
  stack: StackConfig
  nodes: WorkerNode[]
  hosts: Map<string, Host>
  secrets: SecretsFile
}

export function fqdn(cfg: Config, host: string): string {
  return `${host}.${cfg.stack.dns.zone}`
}

export function replicaPort(node: WorkerNode, replica: number): number {
  return node.port + replica - 1
}

export function hostOf(cfg: Config, name: string): Host {
  const h = cfg.hosts.get(name)
  if (!h) throw new OpsError(`host ${name} has no address in ${cfg.files.stack} (hosts:)`)
  return h
}

/** Look a worker node up by name (case-insensitive); unknown → the nodes that exist and the file to edit. */
export function findNode(cfg: Config, name: string): WorkerNode {
  const node = cfg.nodes.find((n) => n.name.toLowerCase() === name.toLowerCase())
  if (node) return node
  const known = cfg.nodes.map((n) => n.name).join(', ') || '(none)'
  throw new OpsError(`unknown worker node "${name}": known nodes are ${known}`, {
    hint: `add an entry for ${name} to ${cfg.files.workers} (name, host, compose_path), or pick one of ${known}`,
    exitCode: 2,
  })
}

/** NODE=all or a single name → the nodes to act on. */
export function selectNodes(cfg: Config, name: string): WorkerNode[] {
  return name === 'all' ? cfg.nodes : [findNode(cfg, name)]
}

/** One stack a NODE= names: the core's or a worker node's, with the host and compose file it lives in. */
export interface StackRef {
  label: string
  host: Host
  composePath: string
  /** The worker node, for a node's stack; none for the core's. */
  node?: WorkerNode
}

/** NODE=core, a node's name, or all (the core first, then every node) → the stacks to act on. */
export function selectStacks(cfg: Config, name: string): StackRef[] {
  const core: StackRef = {
    label: 'core',
    host: hostOf(cfg, cfg.stack.core.host),
    composePath: cfg.stack.core.compose_path,
  }
  const nodes = (name === 'core' ? [] : selectNodes(cfg, name)).map((n) => ({
    label: `node ${n.name}`,
    host: hostOf(cfg, n.host),
    composePath: n.composePath,
    node: n,
  }))
  return [...(name === 'all' || name === 'core' ? [core] : []), ...nodes]
}

/** Core services this config set runs (disabled ones are left out, with their reason kept in config). */
export function enabledCoreServices(cfg: Config): string[] {
  return Object.entries(cfg.stack.core.services)
    .filter(([, s]) => s && !s.disabled)
    .map(([name]) => name)
}

/** registry/image:tag, or registry/image@sha256:… when the "tag" is a digest. */
export function imageRef(cfg: Config, which: 'backend' | 'worker' | 'base' | 'db', tag: string): string {
  return `${cfg.stack.registry.url}/${cfg.stack.images[which]}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`
}
