// lib/config/plain-yaml.ts, the config files' fast path, against the `yaml` library it stands in for: on any text
// it returns exactly what the library's document gives (and only for a document without errors), or nothing.
// The corpus: the repository's YAML, cases picked for YAML's traps, and seeded mutations of both.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseDocument } from 'yaml'
import { parsePlainYaml } from '../../lib/config/plain-yaml.ts'
import { REPO } from '../helpers/config-copy.ts'

const library = (text: string) => {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true })
  return doc.errors.length ? { errors: doc.errors.length } : { value: doc.toJS() }
}

/** The fast path agrees with the library, or declines; returns whether it answered. */
function agrees(text: string): boolean {
  const fast = parsePlainYaml(text)
  if (!fast) return false
  const lib = library(text)
  assert.ok('value' in lib, `fast path answered a document the library rejects:\n${text}`)
  assert.equal(fast.value, lib.value, `fast path differs from the library on:\n${text}`)
  return true
}

const REPO_FILES = [
  'infra/homelab/stack-config.yml',
  'infra/homelab/worker-nodes.yml',
  'infra/homelab/secrets.yml',
  'lab/config/stack-config.yml',
  'lab/config/worker-nodes.yml',
  'lab/config/secrets.yml',
  'templates/docker-compose.dev.yml',
  'templates/github/workflows/publish.yml',
]
const texts = REPO_FILES.map((f) => readFileSync(join(REPO, f), 'utf8'))

test("the repository's config files: the fast path answers each, as the library does", () => {
  for (const [i, f] of REPO_FILES.entries()) {
    if (!f.includes('config') && !f.startsWith('infra/')) continue
    assert.ok(agrees(texts[i]!), `${f}: not read by the fast path`)
  }
})

const TRAPS: [string, unknown][] = [
  ['', null],
  ['# only a comment\n', null],
  ['a: 1\nb: -2\nc: 0\n', { a: 1, b: -2, c: 0 }],
  ['a: 007\n', undefined], // octal-looking: the library's
  ['a: 1.0\n', undefined],
  ['a: 1e3\n', undefined],
  ['a: .inf\n', undefined],
  ['a: 0x1F\n', undefined],
  ['a: +1\n', undefined],
  ['a: 12345678901234567890\n', undefined],
  ['a: ~\nb: Null\nc:\nd: TRUE\ne: yes\nf: no\n', { a: null, b: null, c: null, d: true, e: 'yes', f: 'no' }],
  ["a: 'it''s # not a comment'\n", { a: "it's # not a comment" }],
  ['a: "x"  # c\n', { a: 'x' }],
  ['a: "x\\ty"\n', undefined],
  ['a: x#y # c\n', { a: 'x#y' }],
  ['a: http://h:5000/p\n', { a: 'http://h:5000/p' }],
  ['a: b: c\n', undefined],
  ['a: [x, "y, z", 3, null]\n', { a: ['x', 'y, z', 3, null] }],
  ['a: [x, ]\n', undefined],
  ['a: [x\n', undefined],
  ['a: []\nb: {}\n', { a: [], b: {} }],
  ['a: {x: 1, y: "z"}\n', { a: { x: 1, y: 'z' } }],
  ['a: {x: 1, x: 2}\n', undefined],
  ['a: {x: }\n', undefined],
  ['a: {x: [1]}\n', undefined],
  ['a:\n- 1\n- x\nb: 2\n', { a: [1, 'x'], b: 2 }],
  ['a:\n  - n: B\n    h: x\n  - n: C\n', { a: [{ n: 'B', h: 'x' }, { n: 'C' }] }],
  ['a:\n  -\n    b: 1\n  - - 2\n', undefined],
  ['a: 1\na: 2\n', undefined], // duplicate key: the library's error
  ['a:\n  b: 1\n c: 2\n', undefined],
  ['a: x\n  y\n', undefined], // a multi-line plain scalar
  ['a: |\n  x\n', undefined],
  ['a: &x 1\nb: *x\n', undefined],
  ['a: !!str 1\n', undefined],
  ['---\na: 1\n', undefined],
  ['a:\tb\n', undefined],
  ['true: 1\n', undefined],
  ['__proto__: 1\n', undefined],
  ['"a b": 1\n', undefined],
  ['a:b\n', undefined],
  ['- a\n- b: 1\n  c: 2\n', ['a', { b: 1, c: 2 }]],
  ['a: -x\nb: - x\n', undefined],
  ['a: %x\n', undefined],
  ['  a: 1\n', undefined],
  ['\u00a0a: 1\n', undefined], // no-break spaces are content to YAML, white space to JS's trim and \s
  ['a: b\u00a0\n', undefined],
  ['a: x\u3000#c\n', undefined],
]

test("YAML's traps: each answered as the library does, or left to it", () => {
  for (const [text, want] of TRAPS) {
    const fast = parsePlainYaml(text)
    if (want === undefined) assert.is(fast, undefined, `should be the library's:\n${text}`)
    else {
      assert.ok(fast, `should take the fast path:\n${text}`)
      assert.equal(fast.value, want, text)
    }
    agrees(text)
  }
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
const CHARS = [
  ' ',
  ' ',
  '-',
  ':',
  '#',
  "'",
  '"',
  '[',
  ']',
  '{',
  '}',
  ',',
  '\n',
  '&',
  '*',
  '!',
  '|',
  '>',
  '?',
  '0',
].concat(['1', '.', 'x', '~', '\\', '\t', '%', '@', '`', 'e', '+', '\u00a0', '\u3000', '\r', 'ü'])
const VALUES = ['0x1F', '1e3', '.5', '007', '+1', 'null', 'Null', 'TRUE', 'yes', '~', '-', '1.0', "'a''b'", '"a\\nb"']
  .concat(['[a, b]', '[]', '{}', '- x', 'a: b', '123456789012345678', '2.19.3-pg17', '.inf', '-.INF', '.NaN', '0o17'])
  .concat(['a #b', 'a#b', '@x', '`x', '%x', '-1', '-0', '"x" y', "'x' #c", '[x, [y]]', '[ "a" , b ]', '', ' # c'])

function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!
  const lines = text.split('\n')
  const at = Math.floor(r() * lines.length)
  const line = lines[at]!
  switch (Math.floor(r() * 5)) {
    case 0: {
      const p = Math.floor(r() * (text.length + 1))
      return text.slice(0, p) + pick(CHARS) + text.slice(p)
    }
    case 1: {
      const p = Math.floor(r() * text.length)
      return text.slice(0, p) + text.slice(p + 1)
    }
    case 2:
      lines.splice(at, 0, line)
      break
    case 3:
      lines[at] = r() < 0.5 ? ` ${line}` : line.replace(/^ {1,2}/, '')
      break
    default: {
      const colon = line.indexOf(': ')
      lines[at] =
        colon < 0 ? `${line.replace(/^(\s*- ).*$/, '$1')}${pick(VALUES)}` : line.slice(0, colon + 2) + pick(VALUES)
    }
  }
  return lines.join('\n')
}

test('seeded mutations of the corpus: never an answer the library would not give', () => {
  // Seeds the fast path reads, so that most mutations stay near what it answers.
  const seeds = [...texts, ...TRAPS.map(([t]) => t)].filter((t) => t && parsePlainYaml(t))
  let answered = 0
  let total = 0
  for (let seed = 1; seed <= 20_000; seed++) {
    const r = rng(seed)
    let text = seeds[seed % seeds.length]!
    for (let n = 1 + Math.floor(r() * 3); n > 0; n--) text = mutate(text, r)
    total++
    try {
      if (agrees(text)) answered++
    } catch (e) {
      throw new Error(`seed ${seed}: ${(e as Error).message}`)
    }
  }
  // The check means something only if the fast path answers a good share of them.
  assert.ok(answered > total / 4, `the fast path answered only ${answered} of ${total}`)
})

test.run()
