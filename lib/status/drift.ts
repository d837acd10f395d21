// Drift: what a host runs against its newest deploy record (lib/deploy/host-record.ts), each class named.
// `make status JSON=1` prints driftReport's shape (statusJsonSchema; docs/deploy.md has it).
import { createHash } from 'node:crypto'
import { z } from '../zod.ts'
import { parseHostRecord } from '../deploy/host-record.ts'
import { OpsError } from '../errors.ts'
import type { StackStatus } from './remote.ts'

export const DRIFT_CLASSES = [
  'missing-service',
  'extra-container',
  'image',
  'compose-file',
  'recreated',
  'env',
  'secret',
  'lock-held',
  'partial',
  'audit',
  'record-damaged',
  'unreachable',
  'not-in-config',
] as const

export const driftSchema = z.object({
  class: z.enum(DRIFT_CLASSES),
  service: z.string().optional(),
  detail: z.string(),
})
export type Drift = z.infer<typeof driftSchema>

export const statusJsonSchema = z.object({
  v: z.literal(1),
  drift: z.number().int(),
  stacks: z.array(
    z.object({
      label: z.string(),
      host: z.string(),
      compose_path: z.string(),
      state: z.enum(['ok', 'drift', 'absent', 'unreachable']),
      tag: z.string().nullable(),
      record: z.number().int().nullable(),
      services: z.array(z.object({ service: z.string(), image: z.string(), state: z.string(), health: z.string() })),
      drift: z.array(driftSchema),
    }),
  ),
})
export type StatusJson = z.infer<typeof statusJsonSchema>

const sha = (t: string) => createHash('sha256').update(t).digest('hex')

/** Every drift class this host's status shows against its newest record. */
export function driftOf(st: StackStatus): Drift[] {
  const out: Drift[] = []
  for (const l of st.locks) out.push({ class: 'lock-held', detail: `${l.scope}: ${l.owner}` })
  const audit = / result=(\S+)/.exec(st.audit ?? '')?.[1]
  if (audit && audit !== 'ok') out.push({ class: 'audit', detail: `the last deploy's result: ${audit}` })
  if (!st.record) return out // deployed before records: only what status shows
  const r = parseHostRecord(st.record.file, st.record.text)
  if (r instanceof OpsError) return [...out, { class: 'record-damaged', detail: r.message }]
  if (r.state !== 'complete') out.push({ class: 'partial', detail: `record #${r.seq} is ${r.state} (${r.result})` })
  // A partial record's files may have been put back to the release before: only a complete one is compared.
  if (r.state === 'complete' && st.composeSha && st.composeSha !== sha(r.deploy.compose))
    out.push({ class: 'compose-file', detail: `the compose file on the host is not record #${r.seq}'s` })
  const known = new Map(r.containers.map((c) => [c.id, c]))
  const imageOf = new Map(r.containers.map((c) => [c.service, c.image]))
  for (const svc of r.deploy.all_services)
    if (!st.containers.some((c) => c.service === svc && c.state === 'running'))
      out.push({
        class: 'missing-service',
        service: svc,
        detail: st.containers.some((c) => c.service === svc)
          ? `${svc} is not running (${st.containers.find((c) => c.service === svc)!.state})`
          : `${svc} has no container`,
      })
  for (const c of st.containers) {
    if (!r.deploy.all_services.includes(c.service)) {
      out.push({ class: 'extra-container', service: c.service, detail: `${c.id.slice(0, 12)} is not in the record` })
      continue
    }
    const want = imageOf.get(c.service)
    if (want && c.image !== want)
      out.push({ class: 'image', service: c.service, detail: `runs ${c.image}, the record has ${want}` })
    else if (!known.has(c.id))
      out.push({
        class: 'recreated',
        service: c.service,
        detail: `container ${c.id.slice(0, 12)} was made outside the toolkit (not in record #${r.seq})`,
      })
  }
  for (const e of st.envDrift)
    out.push({ class: 'env', service: e.service, detail: `${e.name} differs from record #${r.seq}` })
  for (const e of st.secretDrift)
    out.push({ class: 'secret', service: e.service, detail: `${e.name} is not the secrets provider's value` })
  return out
}

/** The newest record's number, when there is a readable one. */
export function recordSeq(st: StackStatus): number | null {
  if (!st.record) return null
  const r = parseHostRecord(st.record.file, st.record.text)
  return r instanceof OpsError ? null : r.seq
}
