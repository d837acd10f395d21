// lib/config/shape.ts: each config schema's own check against its zod/mini schema, on the repository's configs
// and on seeded mutations of their data (fields dropped, added, renamed, given values of other types or out of
// range). The check must accept exactly what zod accepts, and give zod's value: the same data, keys in the same
// order, defaults filled in. The schemas are lib/config/schema.ts's own.
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { secretsSchema, stackConfigSchema, workerNodesSchema } from '../../lib/config/schema.ts'
import { NO, type Shape, zodLib } from '../../lib/config/shape.ts'

const SCHEMAS: Record<string, Shape<unknown>> = {
  'stack-config.yml': stackConfigSchema,
  'worker-nodes.yml': workerNodesSchema,
  'secrets.yml': secretsSchema,
}
const DIRS = ['infra/homelab', 'lab/config']
const corpus = DIRS.flatMap((d) =>
  Object.entries(SCHEMAS).map(([f, schema]) => ({
    name: `${d}/${f}`,
    schema,
    data: parse(readFileSync(`${d}/${f}`, 'utf8')) as unknown,
  })),
)

/** The check's answer beside zod's; a failure message names the case. */
function agree(schema: Shape<unknown>, data: unknown, name: string): boolean {
  const fast = schema.check(data)
  const r = zodLib().safeParse(schema.zod(), data)
  const input = JSON.stringify(data)
  assert.is(fast !== NO, r.success, `${name}: the check ${fast === NO ? 'refused' : 'accepted'}, zod did not: ${input}`)
  if (r.success) {
    assert.equal(fast, r.data, `${name}: not zod's value for ${input}`)
    assert.is(JSON.stringify(fast), JSON.stringify(r.data), `${name}: keys in another order for ${input}`)
  }
  return r.success
}

test("the repository's configs: accepted, with zod's values", () => {
  for (const c of corpus) assert.ok(agree(c.schema, c.data, c.name), c.name)
})

// A seeded generator (mulberry32), so a failure names a case that can be run again.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
// Values a YAML file can hold where another was: every type, the edges of the ranges and formats the schemas check.
const VALUES: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1,
  2,
  1.5,
  64,
  65,
  100,
  101,
  120,
  65535,
  65536,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  'B',
  'gpu-1',
  '-x',
  'UPPER_SNAKE',
  'lower_name',
  'a b',
  '/abs/path',
  '/abs/with space',
  '/a/$(x)',
  'relative/path',
  '192.168.50.10',
  '300.1.1.1',
  '::1',
  '192.168.50.0/24',
  'root@host',
  '-oProxyCommand=x',
  'name:2.19.3-pg17',
  'name:latest',
  'name',
  `name@sha256:${'a'.repeat(64)}`,
  '3s',
  '500ms',
  '0s',
  'btrfs',
  'zfs',
  'bridge',
  'host',
  'op',
  'env',
  'azure',
  'internal',
  'ghcr.io/org',
  'op://vault/item/field',
  [],
  ['X'],
  ['lower'],
  [1],
  {},
  { A: 1 },
  { A: null },
  { A: 'v' },
  { a: 1 },
]
const NUMBERS = [
  0, 1, 2, 3, 8, 9, 10, 24, 26, 30, 63, 64, 65, 99, 100, 101, 119, 120, 121, 65534, 65535, 65536, -1, 0.5,
]
const KEYS = ['extra', 'image', 'env', 'port', 'replicas', 'ssh', 'address', 'backend', 'keep', '__proto__', 'A_B']

type Node = Record<string, unknown> | unknown[]
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null

/** Every container in the value, with the value itself first. */
function nodes(v: unknown, out: Node[] = []): Node[] {
  if (!isNode(v)) return out
  out.push(v)
  for (const x of Object.values(v)) nodes(x, out)
  return out
}

function mutate(data: unknown, r: () => number): unknown {
  const copy = structuredClone(data)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    const all = nodes(copy)
    if (!all.length) break
    const at = pick(all)
    const keys: (string | number)[] = Array.isArray(at) ? at.map((_, i) => i) : Object.keys(at)
    const op = r()
    if (Array.isArray(at)) {
      if (op < 0.2 && at.length) at.splice(Math.floor(r() * at.length), 1)
      else if (op < 0.35) at.push(structuredClone(pick(VALUES)))
      else if (keys.length) at[pick(keys) as number] = structuredClone(pick(VALUES))
    } else if (op < 0.2 && keys.length) delete at[pick(keys) as string]
    else if (op < 0.3)
      Object.defineProperty(at, pick(KEYS), {
        value: structuredClone(pick(VALUES)),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    else if (op < 0.38 && keys.length) {
      const k = pick(keys) as string
      const v = at[k]
      delete at[k]
      at[`${k}s`] = v
    } else if (keys.length) {
      const k = pick(keys) as string
      // A number is mostly given another number: the ranges' edges are where a check can be off by one.
      at[k] = typeof at[k] === 'number' && r() < 0.6 ? pick(NUMBERS) : structuredClone(pick(VALUES))
    }
  }
  return copy
}

test('seeded mutations: the check accepts what zod accepts, and gives its value', () => {
  let accepted = 0
  const runs = 50_000
  for (let seed = 1; seed <= runs; seed++) {
    const c = corpus[seed % corpus.length]!
    const data = mutate(c.data, rng(seed))
    if (agree(c.schema, data, `${c.name} seed ${seed}`)) accepted++
  }
  // Both answers among the cases: a corpus that only ever broke (or never did) would test one side.
  assert.ok(accepted > runs / 10 && accepted < runs - runs / 10, `accepted ${accepted} of ${runs}`)
})

test.run()
