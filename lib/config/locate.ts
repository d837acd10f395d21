// Map a path inside a YAML document (['worker_nodes', 1, 'host']) to the line and column an operator should look at.
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument, isPair, isScalar } from 'yaml'

export type YamlPath = (string | number)[]

export interface ParsedYaml {
  doc: Document
  lines: LineCounter
}

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  return { doc, lines }
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
  let node: unknown = parsed.doc.contents
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
  return parsed.lines.linePos(best.range[0])
}
