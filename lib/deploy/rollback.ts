// `make rollback` and `make deploys`: a host's deploy records read back (records.sh), the one to return to
// chosen, and a deploy planned from it — its files byte for byte, its images by digest — that then runs the
// same gated path as any deploy (run.ts: lock, health, audit, record). Nothing here touches a host.
import { basename, dirname } from 'node:path'
import { parseDocument } from 'yaml'
import { requestsFor } from '../contract/read.ts'
import { OpsError, UsageError } from '../errors.ts'
import type { Executor } from '../job/executor.ts'
import { events } from '../job/protocol.ts'
import { bind, renderScript, type ScriptParts } from '../job/render.ts'
import { describeHostRecord, type HostRecord, parseHostRecord } from './host-record.ts'
import { DEPLOY_TAG, type HostDeploy, imagesOf } from './plan.ts'

export function recordsScript(d: Pick<HostDeploy, 'composePath'>): ScriptParts {
  return { lib: ['deploy/records.sh'], body: [...bind({ compose_dir: dirname(d.composePath) }), 'list_records'] }
}

/** A host's records, newest first: each parsed, or why it cannot be used. */
export type ReadRecord = { file: string; record: HostRecord } | { file: string; damaged: OpsError }

export function parseRecords(stdout: string): ReadRecord[] {
  return events(stdout)
    .filter((e) => e.event === 'record')
    .map((e) => {
      const i = e.detail.indexOf(' ')
      const file = i < 0 ? e.detail : e.detail.slice(0, i)
      const r = parseHostRecord(file, i < 0 ? '' : e.detail.slice(i + 1))
      return r instanceof OpsError ? { file, damaged: r } : { file, record: r }
    })
}

export async function readHostRecords(
  exec: Executor,
  d: Pick<HostDeploy, 'label' | 'host' | 'composePath'>,
): Promise<ReadRecord[]> {
  const out = await exec.run(renderScript(recordsScript(d)))
  if (out.exitCode !== 0)
    throw new OpsError(
      `${d.label}: cannot read the deploy records on ${d.host.name}: ` +
        `${out.stderr.trim().split('\n').at(-1) || `exit ${out.exitCode}`}`,
    )
  return parseRecords(out.stdout)
}

/**
 * The record to return to: TO=<n> that record, TO=sha-… the newest complete one of that tag; else the newest
 * complete record before the current (newest) one whose compose file differs from the current one's. A
 * damaged record anywhere from the newest to the one chosen refuses the rollback: nothing is guessed.
 */
export function chooseTarget(label: string, records: ReadRecord[], to?: string): HostRecord {
  if (!records.length)
    throw new OpsError(`${label}: no deploy records on its host: nothing to roll back to`, {
      hint: 'records are kept by every deploy since deploys had records; deploy a TAG instead',
    })
  const first = records[0]!
  if ('damaged' in first)
    throw new OpsError(`${label}: ${first.damaged.message}; it is the newest, so what runs now is unknown`, {
      hint: 'nothing was changed: deploy a TAG (make deploy-…) instead, or put the record back as written',
    })
  const current = first.record
  if (to !== undefined && !/^\d+$/.test(to) && !DEPLOY_TAG.test(to))
    throw new UsageError(`TO=${JSON.stringify(to)} names no record: give a record's number or a tag sha-…`)
  const matches = (r: HostRecord) =>
    to === undefined
      ? r.seq < current.seq && r.deploy.compose !== current.deploy.compose
      : /^\d+$/.test(to)
        ? r.seq === Number(to)
        : r.deploy.tag === to
  for (const x of records) {
    if ('damaged' in x) {
      // TO=<n> names its record: another damaged one is no reason to refuse it. Else one cannot be passed over.
      if (to !== undefined && /^\d+$/.test(to) && Number(/(\d+)\.json$/.exec(x.file)?.[1]) !== Number(to)) continue
      throw new OpsError(`${label}: ${x.damaged.message}`, {
        hint: 'nothing was changed: pick another record with TO=<n> (make deploys), or deploy a TAG',
      })
    }
    if (!matches(x.record)) continue
    if (x.record.state !== 'complete') {
      if (to !== undefined)
        throw new OpsError(
          `${label}: record #${x.record.seq} is ${x.record.state} (${x.record.result}): it never ran`,
          {
            hint: 'pick a complete one: make deploys',
          },
        )
      continue
    }
    return x.record
  }
  throw new OpsError(
    to === undefined
      ? `${label}: nothing to roll back to: no complete deploy record before #${current.seq} differs from it`
      : `${label}: no deploy record matches TO=${to}`,
    { hint: 'make deploys lists the records this host keeps' },
  )
}

/** The current compose file with one service's definition taken from the target's (SERVICE= for the core). */
export function spliceService(current: string, target: string, service: string): string {
  const doc = parseDocument(current)
  const from = parseDocument(target).getIn(['services', service], true)
  if (from === undefined) throw new OpsError(`the record to return to has no service ${service}`)
  if (!doc.hasIn(['services', service])) throw new OpsError(`the current deploy has no service ${service}`)
  doc.setIn(['services', service], from)
  return doc.toString({ lineWidth: 0 })
}

/**
 * The deploy a rollback runs: `base` (today's plan of that host: its host, locks and contract) with the
 * record's files, services and images. A secret the record needs that today's contract does not name refuses.
 */
export function rollbackDeploy(
  base: HostDeploy,
  target: HostRecord,
  current: HostRecord,
  service?: string,
): HostDeploy {
  const t = target.deploy
  if (t.compose_name !== basename(base.composePath) || t.label !== base.label)
    throw new OpsError(`${base.label}: record #${target.seq} is of ${t.label} (${t.compose_name}), not this stack`)
  const known = new Set(requestsFor(base.planned).map((r) => r.name))
  const missing = [...new Set(Object.values(t.secret_exports))].filter((n) => !known.has(n))
  if (missing.length)
    throw new OpsError(
      `${base.label}: record #${target.seq} needs ${missing.join(', ')}, which the secrets contract no longer names`,
      { hint: 'deploy a TAG instead (make deploy-…)' },
    )
  const one = service !== undefined && service !== 'all'
  const compose = one ? spliceService(current.deploy.compose, t.compose, service) : t.compose
  const services = one ? [service] : t.all_services
  const images = imagesOf(compose)
  const ours = new Set(t.images)
  return {
    ...base,
    compose,
    files: one ? current.deploy.files : t.files,
    services,
    pullServices: t.pull_services.filter((s) => services.includes(s)),
    secretExports: t.secret_exports,
    images: images.filter((i) => ours.has(i) || current.deploy.images.includes(i)),
    composeImages: images,
    recordPins: { ...current.deploy.pins, ...(one ? {} : t.pins) },
  }
}

/** `make deploys`: the records, newest first, the current one and the default rollback target marked. */
export function describeRecords(label: string, records: ReadRecord[]): string[] {
  let target: number | undefined
  try {
    target = chooseTarget(label, records).seq
  } catch {
    target = undefined
  }
  return records.map((x, i) => {
    if ('damaged' in x) return `  ${x.file}  DAMAGED: ${x.damaged.message}`
    const mark = i === 0 ? '  ← current' : x.record.seq === target ? '  ← make rollback returns here' : ''
    return `  ${describeHostRecord(x.record)}${mark}`
  })
}
