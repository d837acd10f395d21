// Map a path inside a YAML document (['worker_nodes', 1, 'host']) to the line and column an operator should look at.
import type { Document, LineCounter, Node } from 'yaml'
import { parsePlainYaml } from './plain-yaml.ts'
import { yamlLib } from './yaml-lib.ts'

export type YamlPath = (string | number)[]

/** A config file read: its value (from lib/config/plain-yaml.ts when it can), and the library's document on demand. */
export class ParsedYaml {
  #full?: { doc: Document; lines: LineCounter }
  readonly #fast: { value: unknown } | undefined
  constructor(readonly text: string) {
    this.#fast = parsePlainYaml(text)
  }
  /** The library's document and line table: for a syntax error, and for the position of a path. */
  get full(): { doc: Document; lines: LineCounter } {
    if (!this.#full) {
      const { LineCounter, parseDocument } = yamlLib()
      const lines = new LineCounter()
      this.#full = {
        doc: parseDocument(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }),
        lines,
      }
    }
    return this.#full
  }
  /** The first syntax error (later ones are usually echoes of it), or undefined. */
  get error(): { code: string; message: string; line: number; col: number } | undefined {
    if (this.#fast) return undefined
    const first = this.full.doc.errors[0]
    return first && { code: first.code, message: first.message, ...this.full.lines.linePos(first.pos[0]) }
  }
  /** The document as plain data; undefined with a syntax error. */
  get value(): unknown {
    if (this.#fast) return this.#fast.value
    return this.full.doc.errors.length ? undefined : this.full.doc.toJS()
  }
}

export function parseYaml(text: string): ParsedYaml {
  return new ParsedYaml(text)
}

/** `worker_nodes[1].host` */
export function formatPath(path: YamlPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

/**
 * Position of the node at `path`; if it does not exist, of the deepest ancestor that does.
 * With `key`, the position of that key inside the map at `path` (for unknown keys).
 */
export function locate(parsed: ParsedYaml, path: YamlPath, key?: string): { line: number; col: number } | undefined {
  const { doc, lines } = parsed.full
  const { isMap, isPair, isScalar, isSeq } = yamlLib()
  let node: unknown = doc.contents
  let best: Node | undefined = node as Node
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg)
      if (!pair) break
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg]
      if (node === undefined) break
    } else break
    if (node && (node as Node).range) best = node as Node
  }
  if (key !== undefined && isMap(best)) {
    const pair = best.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)
    if (pair && isScalar(pair.key) && pair.key.range) best = pair.key
  }
  if (!best?.range) return undefined
  return lines.linePos(best.range[0])
}
