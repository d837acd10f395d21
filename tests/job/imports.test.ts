// The layout holds: no import circle among lib/'s files or among its folders, type-only imports included;
// and no area reaches into another area for the job engine's parts (they live in lib/job/).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'

const LIB = join(REPO, 'lib')
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })

/** file (relative to lib/) → the lib/ files it imports (import, import type, export … from). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const f of files(LIB)) {
    const text = readFileSync(f, 'utf8')
    const deps = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)]
      .map((m) => resolve(dirname(f), m[1]!))
      .filter((p) => p.startsWith(LIB))
      .map((p) => relative(LIB, p))
    graph.set(relative(LIB, f), [...new Set(deps)])
  }
  return graph
}

/** The first circle found in a graph, as its nodes in order, or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n]
    state.set(n, 'open')
    path.push(n)
    for (const d of graph.get(n) ?? []) {
      const c = visit(d)
      if (c) return c
    }
    path.pop()
    state.set(n, 'done')
    return undefined
  }
  for (const n of graph.keys()) {
    const c = visit(n)
    if (c) return c
  }
  return undefined
}

const folder = (f: string) => (f.includes('/') ? f.split('/')[0]! : '.')

test('no import circle among lib/ files (type-only imports count)', () => {
  assert.is(findCycle(importGraph())?.join(' → '), undefined)
})

test('no import circle among lib/ folders', () => {
  const g = new Map<string, string[]>()
  for (const [f, deps] of importGraph()) {
    const from = folder(f)
    const to = deps.map(folder).filter((d) => d !== from)
    g.set(from, [...new Set([...(g.get(from) ?? []), ...to])])
  }
  assert.is(findCycle(g)?.join(' → '), undefined)
})

test('the check sees a circle', () => {
  assert.equal(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
    ['a', 'b', 'c', 'a'],
  )
})

test('lib/job imports no area; areas take engine parts from lib/job only', () => {
  for (const [f, deps] of importGraph()) {
    if (f.startsWith('job/'))
      for (const d of deps)
        assert.ok(['job', 'config', 'secrets', '.'].includes(folder(d)) || d === 'errors.ts', `${f} imports ${d}`)
  }
})

test.run()
