// A small TOML reader: enough for pyproject.toml and uv.lock. Errors carry a line and column
// so uv's "TOML parse error at line L, column C" report can be reproduced.

export class TomlError extends Error {
  constructor(message, line, column, width = 1) {
    super(message)
    Object.assign(this, { line, column, width })
  }
}

export function parseToml(text) {
  let i = 0
  const root = {}
  let table = root
  const tableLines = new Map() // table object -> [line, column, width] of its header
  const pos = (at = i) => {
    const before = text.slice(0, at)
    const line = before.split('\n').length
    return [line, at - before.lastIndexOf('\n')]
  }
  const fail = (msg, at = i, width = 1) => {
    throw new TomlError(msg, ...pos(at), width)
  }
  const ws = () => {
    while (text[i] === ' ' || text[i] === '\t') i++
  }
  const wsnl = () => {
    for (;;) {
      ws()
      if (text[i] === '#') while (i < text.length && text[i] !== '\n') i++
      if (text[i] === '\n' || text[i] === '\r') i++
      else return
    }
  }
  const key = () => {
    const parts = []
    for (;;) {
      ws()
      if (text[i] === '"' || text[i] === "'") parts.push(string())
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i))
        if (!m) fail('invalid key')
        parts.push(m[0])
        i += m[0].length
      }
      ws()
      if (text[i] !== '.') return parts
      i++
    }
  }
  const string = () => {
    const q = text[i]
    const multi = text.startsWith(q.repeat(3), i)
    const start = i
    i += multi ? 3 : 1
    if (multi && text[i] === '\n') i++
    let out = ''
    for (;;) {
      if (i >= text.length || (!multi && text[i] === '\n')) fail('invalid basic string', start)
      if (text.startsWith(multi ? q.repeat(3) : q, i)) {
        i += multi ? 3 : 1
        return out
      }
      if (q === '"' && text[i] === '\\') {
        const c = text[i + 1]
        const simple = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' }
        if (c in simple) {
          out += simple[c]
          i += 2
          continue
        }
        if (c === 'u' || c === 'U') {
          const n = c === 'u' ? 4 : 8
          out += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + n), 16))
          i += 2 + n
          continue
        }
        fail('invalid escape sequence')
      }
      out += text[i++]
    }
  }
  const value = () => {
    const c = text[i]
    if (c === '"' || c === "'") return string()
    if (c === '[') {
      i++
      const arr = []
      for (;;) {
        wsnl()
        if (text[i] === ']') {
          i++
          return arr
        }
        arr.push(value())
        wsnl()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return arr
        }
        fail('invalid array, expected `,`, `]`')
      }
    }
    if (c === '{') {
      i++
      const obj = {}
      ws()
      if (text[i] === '}') {
        i++
        return obj
      }
      for (;;) {
        const k = key()
        if (text[i] !== '=') fail('expected `.`, `=`')
        i++
        ws()
        assign(obj, k, value())
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return obj
        }
        fail('invalid inline table, expected `,`, `}`')
      }
    }
    const m = /^(true|false|[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?|[0-9]{4}-[0-9:TZ.+-]+)/.exec(text.slice(i))
    if (!m) fail('invalid string\nexpected `"`, `\'`')
    i += m[0].length
    if (m[0] === 'true' || m[0] === 'false') return m[0] === 'true'
    return /^[+-]?[0-9_.eE+-]+$/.test(m[0]) ? Number(m[0].replace(/_/g, '')) : m[0]
  }
  const assign = (obj, parts, v, at) => {
    let t = obj
    for (const p of parts.slice(0, -1)) t = t[p] ??= {}
    const last = parts[parts.length - 1]
    if (Object.hasOwn(t, last)) fail('duplicate key `' + last + '`', at)
    t[last] = v
  }
  for (;;) {
    wsnl()
    if (i >= text.length) return { data: root, tableLines }
    const start = i
    if (text[i] === '[') {
      const isArray = text[i + 1] === '['
      i += isArray ? 2 : 1
      const parts = key()
      if (!text.startsWith(isArray ? ']]' : ']', i)) fail('invalid table header\nexpected `.`, `]`')
      i += isArray ? 2 : 1
      let t = root
      for (const p of parts.slice(0, -1)) {
        t = t[p] ??= {}
        if (Array.isArray(t)) t = t[t.length - 1]
      }
      const last = parts[parts.length - 1]
      if (isArray) {
        t[last] ??= []
        t[last].push({})
        table = t[last][t[last].length - 1]
      } else {
        t[last] ??= {}
        table = t[last]
      }
      tableLines.set(table, [...pos(start), i - start])
    } else {
      const at = i
      const k = key()
      if (text[i] !== '=') fail('expected `.`, `=`')
      i++
      ws()
      assign(table, k, value(), at)
    }
    ws()
    if (text[i] === '#') while (i < text.length && text[i] !== '\n') i++
    if (i < text.length && text[i] !== '\n' && text[i] !== '\r') fail('expected newline, `#`')
  }
}
