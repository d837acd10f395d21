// A fast path for the YAML a config file is written in: block maps and lists of plain or quoted scalars, one-line
// flow lists, comments. The `yaml` library spends ~10 ms of a job's start on three small files (its parser runs
// cold, in V8's interpreter); this reads the same text in well under one. It either returns exactly what
// `yaml` would (the core schema: null, booleans, decimal integers, strings) or undefined, and the caller asks
// `yaml` instead: anything else (anchors, tags, block or multi-line scalars, escapes, floats, odd keys, a duplicate
// key, tabs, any syntax error) is left to it. tests/config/plain-yaml.test.ts holds it equal to `yaml` on the
// repository's files and on thousands of mutations of them.

interface Line {
  indent: number
  text: string // without indentation, trailing spaces or a comment-only line
}

/** Thrown inside, to say: not this fast path's YAML, ask the library. */
const GIVE_UP = Symbol('plain-yaml: not handled')

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*):(?=[ ]|$)/
const NOT_A_STRING_KEY = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|__proto__|[-+.0-9].*)$/
/** The core schema's null and booleans. */
const WORDS = new Map<string, null | boolean>([
  ...['~', 'null', 'Null', 'NULL'].map((w) => [w, null] as const),
  ...['true', 'True', 'TRUE'].map((w) => [w, true] as const),
  ...['false', 'False', 'FALSE'].map((w) => [w, false] as const),
])
const SMALL_INT = /^-?(?:0|[1-9][0-9]{0,14})$/
// Whatever else YAML's core schema reads as a number (octal, hex, signs, floats, infinities): the library's.
const OTHER_NUMBER = new RegExp(
  '^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|' +
    '[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|' +
    '[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$',
)
// A plain scalar may not start with an indicator; `-` only before a non-space (`-5`, `-x`).
const PLAIN_START = /^(?:[^-?:,[\]{}#&*!|>'"%@`\s]|-[^\s])/

function giveUp(): never {
  throw GIVE_UP
}

export function parsePlainYaml(text: string): { value: unknown } | undefined {
  // Tabs, carriage returns, control characters, a byte-order mark, Unicode line breaks and spaces: the library's.
  // Past this, the only white space is ' ' and '\n', so trim() and \s below mean what YAML means by them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\x00-\x09\x0b-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\uFEFF]/.test(text))
    return undefined
  const lines: Line[] = []
  for (const raw of text.split('\n')) {
    const body = raw.trimStart()
    if (body === '' || body.startsWith('#')) continue
    // Directives, document markers: the library's.
    if (raw.startsWith('%') || raw.startsWith('---') || raw.startsWith('...')) return undefined
    lines.push({ indent: raw.length - body.length, text: body.trimEnd() })
  }
  if (!lines.length) return { value: null }
  if (lines[0]!.indent !== 0) return undefined
  try {
    const [value, next] = block(lines, 0, 0)
    return next === lines.length ? { value } : undefined
  } catch (e) {
    if (e === GIVE_UP) return undefined
    throw e
  }
}

const isItem = (l: Line) => l.text === '-' || l.text.startsWith('- ')

/** The block (a map or a list) whose first line is lines[i], at this indent: its value and the next line's index. */
function block(lines: Line[], i: number, indent: number): [unknown, number] {
  return isItem(lines[i]!) ? list(lines, i, indent) : map(lines, i, indent)
}

/** What a key or a `-` with nothing after it on its line holds: the block below it, or null. */
function nested(lines: Line[], i: number, indent: number, listHere: boolean): [unknown, number] {
  const next = lines[i]
  if (next && next.indent > indent) return block(lines, i, next.indent)
  // A list may stand at its key's own indent (`key:` then `- a`).
  if (next && listHere && next.indent === indent && isItem(next)) return list(lines, i, indent)
  return [null, i]
}

/** A map at this indent from lines[i]; `first` stands for lines[i] when the map starts after a list's dash. */
function map(lines: Line[], i: number, indent: number, first?: Line): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {}
  const start = i
  while (i < lines.length && (i === start && first ? first : lines[i]!).indent >= indent) {
    const line = i === start && first ? first : lines[i]!
    if (line.indent > indent) giveUp()
    const m = KEY.exec(line.text)
    if (!m) giveUp()
    const key = m[1]!
    if (NOT_A_STRING_KEY.test(key) || Object.hasOwn(out, key)) giveUp()
    const rest = line.text.slice(m[0].length).trimStart()
    if (rest === '' || rest.startsWith('#')) {
      ;[out[key], i] = nested(lines, i + 1, indent, true)
    } else {
      out[key] = scalar(rest)
      i++
      if (i < lines.length && lines[i]!.indent > indent) giveUp() // a continued scalar, or worse
    }
  }
  return [out, i]
}

function list(lines: Line[], i: number, indent: number): [unknown[], number] {
  const out: unknown[] = []
  while (i < lines.length && lines[i]!.indent >= indent) {
    const line = lines[i]!
    if (line.indent > indent) giveUp()
    if (!isItem(line)) break // a list at its key's indent ends at the next key
    const rest = line.text.slice(1).trimStart()
    if (rest === '' || rest.startsWith('#')) {
      const [value, next] = nested(lines, i + 1, indent, false)
      out.push(value)
      i = next
    } else if (KEY.test(rest)) {
      // `- key: value`: a map whose keys line up with this first one.
      const at = indent + line.text.length - rest.length
      const [value, next] = map(lines, i, at, { indent: at, text: rest })
      out.push(value)
      i = next
    } else if (isItem({ indent: 0, text: rest })) {
      giveUp() // `- - a`
    } else {
      out.push(scalar(rest))
      i++
      if (i < lines.length && lines[i]!.indent > indent) giveUp()
    }
  }
  return [out, i]
}

/** A value on its key's or its dash's line. */
function scalar(text: string): unknown {
  const c = text[0]
  if (c === "'" || c === '"') {
    const [value, end] = quoted(text, 0)
    if (!comment(text.slice(end))) giveUp()
    return value
  }
  if (c === '[' || c === '{') return flow(text)
  return plain(stripComment(text), false)
}

/** A `#` after a space starts a comment; a plain scalar keeps every other `#`. */
function stripComment(text: string): string {
  const at = text.search(/\s#/)
  return (at < 0 ? text : text.slice(0, at)).trimEnd()
}

const comment = (rest: string) => /^(?:\s+#.*|\s*)$/.test(rest)

/** A quoted scalar starting at text[from]: its value and the index after its closing quote. */
function quoted(text: string, from: number): [string, number] {
  const q = text[from]!
  let value = ''
  for (let i = from + 1; i < text.length; i++) {
    const ch = text[i]!
    if (ch === q) {
      if (q === "'" && text[i + 1] === "'") {
        value += "'"
        i++
        continue
      }
      return [value, i + 1]
    }
    if (q === '"' && ch === '\\') giveUp() // escapes: the library's
    value += ch
  }
  return giveUp() // it runs on to another line
}

function plain(text: string, inFlow: boolean): unknown {
  if (!PLAIN_START.test(text) || /:(?:\s|$)|\s#/.test(text)) giveUp()
  if (inFlow && /[[\]{},]/.test(text)) giveUp()
  if (WORDS.has(text)) return WORDS.get(text)
  // Only what starts with a digit, a sign or a dot can be a number.
  if (!/^[-+.0-9]/.test(text)) return text
  if (SMALL_INT.test(text)) return Number(text)
  if (OTHER_NUMBER.test(text)) giveUp()
  return text
}

/** `[a, 'b c', 3]` or `{ address: 10.0.0.1, ssh: x }` on one line, of scalars only. */
function flow(text: string): unknown {
  const close = text[0] === '[' ? ']' : '}'
  const list: unknown[] = []
  const map: Record<string, unknown> = {}
  let i = 1
  const skip = () => {
    while (text[i] === ' ') i++
  }
  const item = (): unknown => {
    if (text[i] === "'" || text[i] === '"') {
      const [value, end] = quoted(text, i)
      i = end
      return value
    }
    const end = text.slice(i).search(/[,\]}]/)
    if (end < 0) giveUp()
    const value = plain(text.slice(i, i + end).trimEnd(), true)
    i += end
    return value
  }
  skip()
  if (text[i] !== close)
    for (;;) {
      skip()
      if (close === ']') list.push(item())
      else {
        const m = KEY.exec(text.slice(i))
        if (!m || NOT_A_STRING_KEY.test(m[1]!) || Object.hasOwn(map, m[1]!) || text[i + m[0].length] !== ' ') giveUp()
        i += m[0].length
        skip()
        map[m[1]!] = item()
      }
      skip()
      if (text[i] === close) break
      if (text[i] !== ',') giveUp()
      i++
      skip()
      if (text[i] === close) giveUp() // a trailing comma: the library's
    }
  if (!comment(text.slice(i + 1))) giveUp()
  return close === ']' ? list : map
}
