// The workstation's copy of every deploy's record: one JSON line per host per deploy (tag, image digests,
// services, time, operator, result; never a secret, a secret's name or a hash of one) in
// <state dir>/deploys.jsonl. A host keeps its own audit log beside its compose file, but a lost host loses it
// with the disk: `make status` and `make recover-*` read this copy to tell what the lost host ran.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config/model.ts'

export interface DeployRecord {
  v: 1
  /** ISO 8601, UTC. */
  time: string
  /** The config directory the deploy ran with (records of two configs never mix). */
  config: string
  /** "core" or "node B"; the host's name and the compose file on it. */
  label: string
  host: string
  compose_path: string
  job: string
  tag: string
  services: string[]
  /** image reference → the registry's digest for it at deploy time (ours only; empty when not asked). */
  digests: Record<string, string>
  operator: string
  /** ok | rolled-back | failed | interrupted */
  result: string
}

/** KTRDR_STATE_DIR, else $XDG_STATE_HOME/ktrdr-ops, else ~/.local/state/ktrdr-ops. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KTRDR_STATE_DIR) return env.KTRDR_STATE_DIR
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ktrdr-ops')
}

export const recordsFile = (dir = stateDir()) => join(dir, 'deploys.jsonl')

/**
 * Append records (one line each; an append of one short line is atomic). A workstation that cannot write
 * its state dir must not fail a deploy that already happened: the reason is returned for a warning.
 */
export function appendRecords(records: DeployRecord[], dir = stateDir()): string | undefined {
  if (!records.length) return undefined
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    appendFileSync(recordsFile(dir), records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 })
    return undefined
  } catch (e) {
    return `the deploy record was not kept on this workstation (${recordsFile(dir)}): ${(e as Error).message}`
  }
}

function isRecord(x: unknown): x is DeployRecord {
  const r = x as DeployRecord
  return (
    typeof r === 'object' &&
    r !== null &&
    r.v === 1 &&
    [r.time, r.config, r.label, r.host, r.tag, r.result, r.operator].every((f) => typeof f === 'string') &&
    Array.isArray(r.services) &&
    typeof r.digests === 'object'
  )
}

/** Every readable record of this config, oldest first; lines that do not parse are counted, not fatal. */
export function readRecords(cfg: Config, dir = stateDir()): { records: DeployRecord[]; unreadable: number } {
  let text = ''
  try {
    text = readFileSync(recordsFile(dir), 'utf8')
  } catch {
    return { records: [], unreadable: 0 }
  }
  const records: DeployRecord[] = []
  let unreadable = 0
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const r = JSON.parse(line) as unknown
      if (isRecord(r)) {
        if (r.config === cfg.dir) records.push(r)
      } else unreadable++
    } catch {
      unreadable++
    }
  }
  return { records, unreadable }
}

/**
 * What a stack ran last as far as this workstation knows: the newest record of `label` whose result was ok,
 * and the newest of any result (when it differs). A core deploy of one service counts for that service only:
 * `service` picks the newest ok record that included it.
 */
export function lastDeployed(
  records: DeployRecord[],
  label: string,
  service?: string,
): { ok?: DeployRecord; latest?: DeployRecord } {
  const mine = records.filter((r) => r.label === label && (!service || r.services.includes(service)))
  const latest = mine.at(-1)
  const ok = mine.filter((r) => r.result === 'ok').at(-1)
  return { ok, latest }
}

/** One line for people: "sha-… (worker-1, worker-2) at <time> by <operator>, ok". */
export function describeRecord(r: DeployRecord): string {
  return `${r.tag} (${r.services.join(', ')}) at ${r.time} by ${r.operator}, ${r.result}`
}
