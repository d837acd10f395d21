// Highest-version resolver over the fixture index, with uv's "No solution found" report.
import { compareVersions, formatRequirement, isPrerelease, parseRequirement, satisfies } from './pep440.mjs'

export class NoSolution extends Error {}

const who = (from) => (from ? `${from.name}==${from.version}` : 'your project')

function candidates(index, name, constraints, prefer) {
  const versions = Object.keys(index[name] ?? {})
    .sort(compareVersions)
    .reverse()
  const wantsPre = constraints.some((c) => c.req.specifiers.some((s) => isPrerelease(s.version.replace('.*', ''))))
  const ok = versions.filter(
    (v) => (wantsPre || !isPrerelease(v)) && constraints.every((c) => satisfies(v, c.req.specifiers)),
  )
  return prefer && ok.includes(prefer) ? [prefer, ...ok.filter((v) => v !== prefer)] : ok
}

function explain(index, name, constraints, rootReqs) {
  const lines = []
  const [first, second] = constraints
  let culprit = first
  const conclude = (from) => (from ? `${who(from)} cannot be used` : "your project's requirements are unsatisfiable")
  if (!index[name]) {
    lines.push(
      `Because ${name} was not found in the package registry ` +
        `and ${who(first.from)} depends on ${formatRequirement(first.req)}, ` +
        `we can conclude that ${conclude(first.from)}.`,
    )
  } else if (
    constraints.length >= 2 &&
    candidates(index, name, [first], null).length &&
    candidates(index, name, [second], null).length
  ) {
    const a = who(first.from),
      b = who(second.from)
    lines.push(
      `Because ${a} depends on ${formatRequirement(first.req)} ` +
        `and ${b} depends on ${formatRequirement(second.req)}, ` +
        `we can conclude that ${a} and ${b} are incompatible.`,
    )
    if (first.from || second.from)
      lines.push(
        `And because your project depends on ${[first, second]
          .filter((c) => c.from)
          .map((c) => c.from.name)
          .join(' and ')}, we can conclude that your project's requirements are unsatisfiable.`,
      )
    else
      lines[0] = lines[0].replace(
        /we can conclude that .* are incompatible\./,
        "we can conclude that your project's requirements are unsatisfiable.",
      )
  } else {
    const c = constraints.find((k) => !candidates(index, name, [k], null).length) ?? first
    culprit = c
    const req = formatRequirement(c.req)
    lines.push(
      `Because there is no version of ${req} and ${who(c.from)} depends on ${req}, ` +
        `we can conclude that ${conclude(c.from)}.`,
    )
  }
  const parent = culprit.from
  if (parent && lines.length === 1) {
    const direct = rootReqs.find((r) => r.name === parent.name)
    lines.push(
      `And because your project depends on ${direct ? formatRequirement(direct) : parent.name}, ` +
        `we can conclude that your project's requirements are unsatisfiable.`,
    )
  }
  return lines
}

/**
 * rootReqs: parsed requirements of the project (all groups). Returns Map name -> { version, deps: [req] }.
 * prefs: Map name -> version already in uv.lock, kept when still allowed (like uv's lock preferences).
 */
export function resolve(index, rootReqs, prefs = new Map()) {
  let chosen = new Map()
  for (let round = 0; round < 100; round++) {
    const constraints = new Map()
    const queue = rootReqs.map((req) => ({ req, from: null }))
    const visited = new Set()
    while (queue.length) {
      const c = queue.shift()
      const list = constraints.get(c.req.name) ?? []
      list.push(c)
      constraints.set(c.req.name, list)
      if (visited.has(c.req.name)) continue
      visited.add(c.req.name)
      const version = chosen.get(c.req.name) ?? candidates(index, c.req.name, [c], prefs.get(c.req.name))[0]
      if (version === undefined) continue
      for (const dep of index[c.req.name][version].requires ?? []) {
        queue.push({ req: parseRequirement(dep), from: { name: c.req.name, version } })
      }
    }
    const next = new Map()
    for (const [name, list] of constraints) {
      const version = candidates(index, name, list, prefs.get(name))[0]
      if (version === undefined) throw new NoSolution(explain(index, name, list, rootReqs).join('\n'))
      next.set(name, version)
    }
    const stable = next.size === chosen.size && [...next].every(([n, v]) => chosen.get(n) === v)
    chosen = next
    if (stable) break
  }
  return new Map(
    [...chosen].map(([name, version]) => [
      name,
      {
        version,
        deps: (index[name][version].requires ?? []).map(parseRequirement),
        sha256: index[name][version].sha256,
      },
    ]),
  )
}

export function renderNoSolution(message) {
  const [head, ...rest] = message.split('\n')
  const lines = [
    '  × No solution found when resolving dependencies:',
    `  ╰─▶ ${head}`,
    ...rest.map((l) => `      ${l}`),
  ]
  return lines.join('\n') + '\n'
}
