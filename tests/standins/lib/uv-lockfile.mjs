// uv.lock in uv's layout (lock version 1, revision 2): render, read back, and check freshness.
import { createHash } from 'node:crypto'
import { formatSpecifiers, parseSpecifiers } from './pep440.mjs'
import { parseToml } from './toml.mjs'

export const REGISTRY = 'https://pypi.org/simple'
const q = (s) => JSON.stringify(s)
const inline = (obj) =>
  `{ ${Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${q(v)}`)
    .join(', ')} }`
const array = (items, oneLine = false) =>
  items.length === 0
    ? '[]'
    : oneLine && items.length === 1
      ? `[${items[0]}]`
      : `[\n${items.map((x) => `    ${x},\n`).join('')}]`
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** What uv records as the project's requirements in [package.metadata]. */
export function projectMetadata(project) {
  const entry = ({ req }) => ({
    name: req.name,
    marker: req.marker,
    specifier: req.specifiers.length ? formatSpecifiers(req.specifiers) : undefined,
  })
  return {
    requiresDist: project.deps.map(entry).sort(byName),
    requiresDev: Object.fromEntries(
      Object.entries(project.groups)
        .sort()
        .map(([g, list]) => [g, list.map(entry).sort(byName)]),
    ),
  }
}

export const defaultRequiresPython = (project) => project.requiresPython ?? '>=3.12'

export function renderLock(project, resolution) {
  const out = [
    'version = 1',
    'revision = 2',
    `requires-python = ${q(formatSpecifiers(parseSpecifiers(defaultRequiresPython(project))))}`,
    '',
  ]
  const meta = projectMetadata(project)
  const packages = [...resolution].map(([name, p]) => ({ name, ...p }))
  packages.push({ name: project.name, root: true })
  for (const p of packages.sort(byName)) {
    out.push('[[package]]', `name = ${q(p.name)}`)
    if (p.root) {
      out.push(`version = ${q(project.version)}`, `source = { ${project.packaged ? 'editable' : 'virtual'} = "." }`)
      const deps = project.deps.map(({ req }) => inline({ name: req.name, marker: req.marker }))
      if (deps.length) out.push(`dependencies = ${array(deps)}`)
      const groups = Object.entries(project.groups).sort()
      if (groups.length) {
        out.push('', '[package.dev-dependencies]')
        for (const [g, list] of groups)
          out.push(`${g} = ${array(list.map(({ req }) => inline({ name: req.name, marker: req.marker })))}`)
      }
      out.push('', '[package.metadata]', `requires-dist = ${array(meta.requiresDist.map(inline), true)}`)
      if (groups.length) {
        out.push('', '[package.metadata.requires-dev]')
        for (const [g, list] of Object.entries(meta.requiresDev)) out.push(`${g} = ${array(list.map(inline), true)}`)
      }
    } else {
      const hash = p.sha256 ?? createHash('sha256').update(`${p.name}-${p.version}`).digest('hex')
      const file = `${p.name.replace(/-/g, '_')}-${p.version}-py3-none-any.whl`
      out.push(`version = ${q(p.version)}`, `source = { registry = ${q(REGISTRY)} }`)
      const deps = [...new Map(p.deps.map((d) => [d.name, d])).values()].sort(byName)
      if (deps.length) out.push(`dependencies = ${array(deps.map((d) => inline({ name: d.name, marker: d.marker })))}`)
      const url = `https://files.pythonhosted.org/packages/py3/${p.name[0]}/${p.name}/${file}`
      out.push(`wheels = ${array([inline({ url, hash: `sha256:${hash}` })])}`)
    }
    out.push('')
  }
  return out.join('\n')
}

/** Read a uv.lock back: { requiresPython, root, packages: Map name -> package table }. */
export function readLock(text, projectName) {
  const { data } = parseToml(text)
  const packages = new Map((data.package ?? []).map((p) => [p.name, p]))
  return { version: data.version, requiresPython: data['requires-python'], packages, root: packages.get(projectName) }
}

/** Does the lock still describe this pyproject? (uv's "lockfile needs to be updated" test, simplified.) */
export function lockSatisfies(project, lock) {
  if (lock.version !== 1 || !lock.root) return false
  if (lock.requiresPython !== formatSpecifiers(parseSpecifiers(defaultRequiresPython(project)))) return false
  if (lock.root.version !== project.version) return false
  const meta = projectMetadata(project)
  const recorded = lock.root.metadata ?? {}
  const same = (a, b) =>
    JSON.stringify(a ?? []) ===
    JSON.stringify((b ?? []).map((e) => ({ name: e.name, marker: e.marker, specifier: e.specifier })))
  if (!same(meta.requiresDist, recorded['requires-dist'])) return false
  const dev = recorded['requires-dev'] ?? {}
  if (Object.keys(dev).sort().join() !== Object.keys(meta.requiresDev).join()) return false
  if (!Object.entries(meta.requiresDev).every(([g, list]) => same(list, dev[g]))) return false
  const edges = [...lock.packages.values()].flatMap((p) => [
    ...(p.dependencies ?? []),
    ...Object.values(p['dev-dependencies'] ?? {}).flat(),
  ])
  return edges.every((d) => lock.packages.has(d.name))
}
