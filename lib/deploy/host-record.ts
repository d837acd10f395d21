// A deploy's record on its host (<compose dir>/deploys/NNNNNN.json, written by deploy.sh's write_record): what
// the workstation knew — the rendered files byte for byte, the tag, each service's pinned image, non-secret env
// by value and secret names only (never a value or a hash of one), operator, time — wrapped by the host in what
// only it knows: sequence number, the previous record, state (complete | partial), result and the containers.
import { createHash } from 'node:crypto'
import { parse } from 'yaml'
import { z } from '../zod.ts'
import { basename } from 'node:path'
import { OpsError } from '../errors.ts'
import { operator } from '../job/operator.ts'
import type { HostDeploy } from './plan.ts'

export const recordPlanSchema = z.object({
  v: z.literal(1),
  action: z.enum(['deploy', 'rollback']),
  label: z.string(),
  job: z.enum(['deploy-core', 'deploy-workers']),
  tag: z.string(),
  operator: z.string(),
  started: z.string(),
  compose_name: z.string().regex(/^[^/]+$/),
  compose: z.string(),
  files: z.array(z.object({ name: z.string().regex(/^[^/][^\n]*$/), content: z.string() })),
  services: z.array(z.string()),
  all_services: z.array(z.string()),
  pull_services: z.array(z.string()),
  images: z.array(z.string()),
  compose_images: z.array(z.string()),
  pins: z.record(z.string(), z.string()),
  env: z.record(z.string(), z.record(z.string(), z.string())),
  secrets: z.record(z.string(), z.array(z.string())),
  secret_exports: z.record(z.string(), z.string()),
  /** A rollback: the record it returned to. */
  to: z.number().int().optional(),
})

export const hostRecordSchema = z.object({
  v: z.literal(1),
  seq: z.number().int().min(1),
  previous: z.number().int().nullable(),
  state: z.enum(['complete', 'partial']),
  result: z.string(),
  finished: z.string(),
  /** sha256 of the workstation's part as written: a record edited by hand no longer matches it. */
  sum: z.string().regex(/^[0-9a-f]{64}$/),
  /** sameSum of the workstation's part: the next deploy of the same files, digests and env skips `up`. */
  same: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  containers: z.array(
    z.object({
      service: z.string(),
      name: z.string(),
      id: z.string(),
      created: z.string(),
      image: z.string(),
      image_id: z.string(),
    }),
  ),
  deploy: recordPlanSchema,
})

export type RecordPlan = z.infer<typeof recordPlanSchema>
export type HostRecord = z.infer<typeof hostRecordSchema>

interface ComposeDoc {
  services?: Record<string, { image?: string; environment?: string[] }>
}

/** Non-secret env by value (as the container sees it: compose's `$$` is one `$`), secrets by name only. */
export function envOf(compose: string): Pick<RecordPlan, 'env' | 'secrets' | 'all_services'> {
  const services = (parse(compose) as ComposeDoc).services ?? {}
  const env: RecordPlan['env'] = {}
  const secrets: RecordPlan['secrets'] = {}
  for (const [name, s] of Object.entries(services)) {
    env[name] = {}
    secrets[name] = []
    for (const item of s.environment ?? []) {
      const i = item.indexOf('=')
      if (i < 0) secrets[name].push(item)
      else env[name][item.slice(0, i)] = item.slice(i + 1).replaceAll('$$', '$')
    }
  }
  return { env, secrets, all_services: Object.keys(services) }
}

export const recordSum = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * What makes two deploys the same deploy: the record without who, when and why (operator, start, action, the
 * record a rollback returned to). Equal sums name the same files, tag, services, digests, env and secret names.
 */
export function sameSum(plan: RecordPlan): string {
  const { operator: _o, started: _s, action: _a, to: _t, ...what } = plan
  return recordSum(JSON.stringify(what))
}

/** "<service> <NAME>" for every secret a service takes from the deploy shell's env (deploy.sh unchanged). */
export function secretEnvLines(plan: Pick<RecordPlan, 'secrets'>): string[] {
  return Object.entries(plan.secrets).flatMap(([svc, names]) => names.map((n) => `${svc} ${n}`))
}

/** What the workstation puts in a (pinned) deploy's record. */
export function recordPlan(
  d: HostDeploy,
  tag: string,
  pins: ReadonlyMap<string, string>,
  action: RecordPlan['action'] = 'deploy',
  to?: number,
): RecordPlan {
  return {
    v: 1,
    action,
    label: d.label,
    job: d.job,
    tag,
    operator: operator(),
    started: new Date().toISOString(),
    compose_name: basename(d.composePath),
    compose: d.compose,
    files: d.files.map((f) => ({ name: f.name, content: f.content })),
    services: d.services,
    pull_services: d.pullServices,
    images: d.images,
    compose_images: d.composeImages,
    pins: { ...d.recordPins, ...Object.fromEntries([...pins].filter(([ref, p]) => ref !== p)) },
    ...envOf(d.compose),
    secret_exports: d.secretExports,
    ...(to === undefined ? {} : { to }),
  }
}

/** The `pins` file a complete deploy leaves (`<ref> <repo@digest>` lines): what the next preflight reports. */
export function pinLines(plan: RecordPlan): string {
  return Object.entries(plan.pins)
    .filter(([ref, pinned]) => ref !== pinned)
    .map(([ref, pinned]) => `${ref} ${pinned}\n`)
    .join('')
}

/** `service NAME=value` lines: the non-secret env the status check compares on the host (values stay there). */
export function envLines(plan: RecordPlan): string {
  return Object.entries(plan.env)
    .flatMap(([svc, vars]) =>
      Object.entries(vars)
        .filter(([, v]) => !v.includes('\n'))
        .map(([k, v]) => `${svc} ${k}=${v}\n`),
    )
    .join('')
}

/** A record line read back from a host: parsed and checked, or why it cannot be used (damaged, edited). */
export function parseHostRecord(file: string, text: string): HostRecord | OpsError {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return new OpsError(`deploy record ${file} is damaged: it is not JSON (${(e as Error).message})`)
  }
  const r = hostRecordSchema.safeParse(json)
  if (!r.success)
    return new OpsError(
      `deploy record ${file} is damaged or was edited by hand: ` +
        r.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
          .join('; '),
    )
  // Over the record as written (zod's output orders keys by the schema).
  if (recordSum(JSON.stringify((json as { deploy: unknown }).deploy)) !== r.data.sum)
    return new OpsError(`deploy record ${file} was edited by hand: its content no longer matches its checksum`)
  const seq = Number(/(\d+)\.json$/.exec(file)?.[1])
  if (r.data.seq !== seq)
    return new OpsError(`deploy record ${file} is damaged or was edited by hand: it says it is #${r.data.seq}`)
  return r.data
}

/** One line for people: "#7 sha-… complete (ok) at <time> by <operator>". */
export function describeHostRecord(r: HostRecord): string {
  const action = r.deploy.action === 'rollback' ? `, a rollback to #${r.deploy.to}` : ''
  return (
    `#${r.seq} ${r.deploy.tag} ${r.state} (${r.result}) at ${r.finished} by ${r.deploy.operator}` +
    ` — ${r.deploy.services.join(', ')}${action}`
  )
}
