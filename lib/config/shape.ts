// The config's schemas are written once, in these few builders, and each gives two things: `check`, the value as
// zod would give it (defaults filled in, an object's keys in the shape's order) or NO where zod would not accept
// it; and `zod()`, the same schema in zod/mini, made on first use, whose issues are the messages. A config that
// passes (every one the operator runs) never loads zod: building the schemas and a cold parse cost a job's start
// ~6 ms (docs/architecture.md, "How a job starts"). tests/config/shape.test.ts holds the two equal on the
// repository's configs and on seeded mutations of them.
import { createRequire } from 'node:module'
import type * as Z from 'zod/mini'
import { BUNDLED } from '../bundled.ts'

type Zod = typeof import('./zod-mini.ts')
let lib: Zod | undefined
/** zod/mini with its English messages, loaded and configured on first use (see lib/config/yaml-lib.ts). */
export function zodLib(): Zod {
  if (!lib) {
    const z = (BUNDLED ? require('./zod-mini.ts') : createRequire(import.meta.url)('./zod-mini.ts')) as Zod
    // One parse per run: zod's compiled (new Function) parsers cost more to build than they save here.
    z.config({ ...z.en(), jitless: true })
    lib = z
  }
  return lib
}

export const NO: unique symbol = Symbol('not accepted')
export interface Shape<T> {
  check(v: unknown): T | typeof NO
  zod(): Z.core.$ZodType
  readonly optional?: true
}
export type Out<S> = S extends Shape<infer T> ? T : never

const made = <T>(check: (v: unknown) => T | typeof NO, build: () => Z.core.$ZodType): Shape<T> => {
  let schema: Z.core.$ZodType | undefined
  return { check, zod: () => (schema ??= build()) }
}

/** A check of a string: `ok` as zod's check decides, `zod` the check itself. */
export interface StringCheck {
  ok(s: string): boolean
  zod(): Z.core.$ZodCheck<string>
}
type Params = string | { message: string }
export const minLength = (n: number): StringCheck => ({
  ok: (s) => s.length >= n,
  zod: () => zodLib().minLength(n),
})
export const regex = (re: RegExp, params?: Params): StringCheck => ({
  ok: (s) => {
    re.lastIndex = 0
    return re.test(s)
  },
  zod: () => zodLib().regex(re, params),
})
export const refine = (fn: (s: string) => boolean, params: { message: string }): StringCheck => ({
  ok: fn,
  zod: () => zodLib().refine(fn, params) as Z.core.$ZodCheck<string>,
})

/** A string passing these checks. */
export const str = (...checks: StringCheck[]): Shape<string> =>
  made(
    (v) => (typeof v === 'string' && checks.every((c) => c.ok(v)) ? v : NO),
    () => {
      const s = zodLib().string()
      return checks.length ? s.check(...checks.map((c) => c.zod())) : s
    },
  )
/** A finite number (zod's z.number()). */
export const num = (): Shape<number> =>
  made(
    (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NO),
    () => zodLib().number(),
  )
/** An integer within [min, max] (either bound optional): classic's z.number().int().min(min).max(max). */
export const int = (min?: number, max?: number): Shape<number> =>
  made(
    (v) =>
      typeof v === 'number' &&
      Number.isSafeInteger(v) &&
      (min === undefined || v >= min) &&
      (max === undefined || v <= max)
        ? v
        : NO,
    () => {
      const z = zodLib()
      return z
        .number()
        .check(z.int(), ...(min === undefined ? [] : [z.gte(min)]), ...(max === undefined ? [] : [z.lte(max)]))
    },
  )
export const nul = (): Shape<null> =>
  made(
    (v) => (v === null ? v : NO),
    () => zodLib().null(),
  )
export const literal = <const L extends string>(value: L): Shape<L> =>
  made(
    (v) => (v === value ? value : NO),
    () => zodLib().literal(value),
  )
export const oneOf = <const L extends readonly [string, ...string[]]>(values: L): Shape<L[number]> =>
  made(
    (v) => (typeof v === 'string' && values.includes(v) ? (v as L[number]) : NO),
    () => zodLib().enum(values as unknown as [string, ...string[]]),
  )

export const opt = <T>(s: Shape<T>): Shape<T | undefined> & { optional: true } => ({
  ...made(
    (v) => (v === undefined ? undefined : s.check(v)),
    () => zodLib().optional(s.zod()),
  ),
  optional: true,
})
/** `value` when there is none (never checked, as zod's _default), else the shape's check. */
export const withDefault = <T>(s: Shape<T>, value: T): Shape<T> =>
  made(
    (v) => (v === undefined ? copy(value) : s.check(v)),
    () => zodLib()._default(s.zod() as never, value as never),
  )
const copy = <T>(v: T): T => (Array.isArray(v) ? [...v] : v !== null && typeof v === 'object' ? { ...v } : v) as T

type Fields = Record<string, Shape<unknown>>
type Flat<T> = { [K in keyof T]: T[K] }
type ObjectOut<F extends Fields> = Flat<
  { [K in keyof F as F[K] extends { optional: true } ? never : K]: Out<F[K]> } & {
    [K in keyof F as F[K] extends { optional: true } ? K : never]?: Out<F[K]>
  }
>
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** An object with exactly these fields (zod's strictObject); the output's keys in this order. */
export const strictObject = <F extends Fields>(fields: F): Shape<ObjectOut<F>> & { fields: F } => ({
  ...made(
    (v) => {
      if (!isObject(v)) return NO
      for (const k of Object.keys(v)) if (!Object.hasOwn(fields, k)) return NO
      const out: Record<string, unknown> = {}
      for (const [k, s] of Object.entries(fields)) {
        const r = s.check(v[k])
        if (r === NO) return NO
        if (r !== undefined) out[k] = r
        else if (k in v) out[k] = undefined
      }
      return out as ObjectOut<F>
    },
    () => zodLib().strictObject(Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.zod()]))),
  ),
  fields,
})
/** A map of keys (strings passing `key`) to values. */
export const record = <V>(key: Shape<string>, value: Shape<V>): Shape<Record<string, V>> =>
  made(
    (v) => {
      if (!isObject(v) || Object.getPrototypeOf(v) !== Object.prototype) return NO
      const out: Record<string, V> = {}
      for (const k of Object.keys(v)) {
        if (k === '__proto__') continue // zod's record passes over it (a plain object cannot hold it as data)
        if (key.check(k) === NO) return NO
        const r = value.check(v[k])
        if (r === NO) return NO
        out[k] = r
      }
      return out
    },
    () => zodLib().record(key.zod() as never, value.zod()),
  )
export const array = <T>(item: Shape<T>): Shape<T[]> =>
  made(
    (v) => {
      if (!Array.isArray(v)) return NO
      const out: T[] = []
      for (const x of v) {
        const r = item.check(x)
        if (r === NO) return NO
        out.push(r)
      }
      return out
    },
    () => zodLib().array(item.zod()),
  )
/** The first option that accepts the value (zod's union). */
export const union = <const S extends readonly Shape<unknown>[]>(options: S): Shape<Out<S[number]>> =>
  made(
    (v) => {
      for (const o of options) {
        const r = o.check(v)
        if (r !== NO) return r as Out<S[number]>
      }
      return NO
    },
    () => zodLib().union(options.map((o) => o.zod()) as never),
  )
/** Objects told apart by the literal field `key` (zod's discriminatedUnion). */
export const discriminatedUnion = <const S extends readonly (Shape<unknown> & { fields: Fields })[]>(
  key: string,
  options: S,
): Shape<Out<S[number]>> =>
  made(
    (v) => {
      if (!isObject(v)) return NO
      const o = options.find((o) => o.fields[key]!.check(v[key]) !== NO)
      return o ? (o.check(v) as Out<S[number]>) : NO
    },
    () => zodLib().discriminatedUnion(key, options.map((o) => o.zod()) as never),
  )
