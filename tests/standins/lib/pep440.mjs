// Just enough PEP 440 / PEP 508 for the stand-in resolver.

export const normalizeName = (n) => n.toLowerCase().replace(/[-_.]+/g, '-')

export function parseVersion(v) {
  const m = new RegExp(
    '^v?(\\d+(?:\\.\\d+)*)(?:[-_.]?(a|b|rc|alpha|beta|c)[-_.]?(\\d*))?' +
      '(?:[-_.]?post[-_.]?(\\d*))?(?:[-_.]?dev[-_.]?(\\d*))?$',
    'i',
  ).exec(v.trim())
  if (!m) return null
  const pre = m[2] ? [{ a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2 }[m[2].toLowerCase()], Number(m[3] || 0)] : null
  return {
    release: m[1].split('.').map(Number),
    pre,
    post: m[4] !== undefined ? Number(m[4] || 0) : null,
    dev: m[5] !== undefined ? Number(m[5] || 0) : null,
  }
}

export function compareVersions(a, b) {
  const x = parseVersion(a),
    y = parseVersion(b)
  const n = Math.max(x.release.length, y.release.length)
  for (let k = 0; k < n; k++) {
    const d = (x.release[k] ?? 0) - (y.release[k] ?? 0)
    if (d) return Math.sign(d)
  }
  // dev < pre < final < post
  const rank = (v) => [
    v.pre === null && v.post === null && v.dev !== null ? -1 : 0,
    v.pre ? v.pre[0] : 3,
    v.pre ? v.pre[1] : 0,
    v.post ?? -1,
    v.dev ?? Infinity,
  ]
  const rx = rank(x),
    ry = rank(y)
  for (let k = 0; k < rx.length; k++) if (rx[k] !== ry[k]) return rx[k] < ry[k] ? -1 : 1
  return 0
}

export const isPrerelease = (v) => {
  const p = parseVersion(v)
  return p.pre !== null || p.dev !== null
}

/** ">=1, <2" → [{ op, version }] ; throws on nonsense. */
export function parseSpecifiers(text) {
  if (!text.trim()) return []
  return text.split(',').map((s) => {
    const m = /^\s*(===|==|!=|~=|>=|<=|>|<)\s*([A-Za-z0-9_.*+!-]+)\s*$/.exec(s)
    if (!m || (!m[2].endsWith('.*') && !parseVersion(m[2])))
      throw new Error(`Failed to parse version specifier: \`${s.trim()}\``)
    return { op: m[1], version: m[2] }
  })
}

export const formatSpecifiers = (specs) => specs.map((s) => s.op + s.version).join(', ')

function matchOne(v, { op, version }) {
  if (version.endsWith('.*')) {
    const prefix = version.slice(0, -2).split('.').map(Number)
    const rel = parseVersion(v).release
    const eq = prefix.every((p, k) => (rel[k] ?? 0) === p)
    return op === '!=' ? !eq : eq
  }
  const c = compareVersions(v, version)
  switch (op) {
    case '==':
    case '===':
      return c === 0
    case '!=':
      return c !== 0
    case '>=':
      return c >= 0
    case '<=':
      return c <= 0
    case '>':
      return c > 0
    case '<':
      return c < 0
    case '~=': {
      const rel = parseVersion(version).release
      const upper = rel.slice(0, Math.max(rel.length - 1, 1))
      upper[upper.length - 1] += 1
      return c >= 0 && compareVersions(v, upper.join('.')) < 0
    }
  }
  return false
}

export const satisfies = (v, specs) => specs.every((s) => matchOne(v, s))

/** PEP 508 requirement: name[extras] specifiers ; marker */
export function parseRequirement(text) {
  const [body, ...markerParts] = text.split(';')
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*\(?([^)]*)\)?\s*$/.exec(body)
  if (!m) {
    const found = body.trim()[0] ?? ''
    throw new Error(`Expected package name starting with an alphanumeric character, found \`${found}\``)
  }
  const marker = markerParts.join(';').trim() || undefined
  return { name: normalizeName(m[1]), specifiers: parseSpecifiers(m[3]), marker }
}

export const formatRequirement = (r) => r.name + formatSpecifiers(r.specifiers).replace(/, /g, ',')
