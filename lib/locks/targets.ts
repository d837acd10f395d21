// What NODE= names for the lock jobs: the core (its core, backups and snapshots locks, on the core host) or a
// worker node (its own node lock, on its host); each with the audit log its unlocks are written to.
import { dirname } from 'node:path'
import { type Config, findNode } from '../config/model.ts'
import { nodeLock } from '../job/lock.ts'

export interface LockTarget {
  label: string
  host: string
  scopes: string[]
  auditFile: string
}

export const CORE_SCOPES = ['core', 'backups', 'snapshots']

export function lockTarget(cfg: Config, node: string): LockTarget {
  if (node === 'core')
    return {
      label: 'core',
      host: cfg.stack.core.host,
      scopes: CORE_SCOPES,
      auditFile: `${dirname(cfg.stack.core.compose_path)}/deploy-audit.log`,
    }
  const n = findNode(cfg, node)
  return {
    label: `node ${n.name}`,
    host: n.host,
    scopes: [nodeLock(n.name).scope],
    auditFile: `${dirname(n.composePath)}/deploy-audit.log`,
  }
}

/** NODE=all: the core host and every node's host, once each. */
export function statusHosts(cfg: Config, node: string): string[] {
  if (node !== 'all') return [lockTarget(cfg, node).host]
  return [...new Set([cfg.stack.core.host, ...cfg.nodes.map((n) => n.host)])]
}
