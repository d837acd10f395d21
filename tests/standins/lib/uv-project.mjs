// Read the [project] table of pyproject.toml the way uv reports problems with it.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { normalizeName, parseRequirement, parseSpecifiers } from './pep440.mjs'
import { parseToml, TomlError } from './toml.mjs'

export class UvError extends Error {
  constructor(text, code = 2) {
    super(text)
    this.text = text
    this.code = code
  }
}

function snippet(src, line, column, width, message, indent) {
  const code = src.split('\n')[line - 1] ?? ''
  const w = String(line).length
  const gutter = ' '.repeat(w) + ' |'
  return [
    gutter,
    `${line} | ${code}`,
    `${gutter} ${' '.repeat(column - 1)}${'^'.repeat(Math.max(width, 1))}`,
    ...message.split('\n'),
  ]
    .map((l) => indent + l)
    .join('\n')
}

function parseError(src, line, column, width, message, withWarning) {
  const head = `TOML parse error at line ${line}, column ${column}`
  const warning = withWarning
    ? `warning: Failed to parse \`pyproject.toml\` during settings discovery:\n  ${head}\n` +
      `${snippet(src, line, column, width, message, '  ')}\n\n`
    : ''
  return new UvError(
    `${warning}error: Failed to parse: \`pyproject.toml\`\n  Caused by: ${head}\n` +
      `${snippet(src, line, column, width, message, '')}\n`,
  )
}

/** { dir, name, version, requiresPython, deps, groups, packaged } for the project in dir. */
export function readProject(dir) {
  const file = join(dir, 'pyproject.toml')
  if (!existsSync(file))
    throw new UvError('error: No `pyproject.toml` found in current directory or any parent directory\n')
  const src = readFileSync(file, 'utf8')
  let doc
  try {
    doc = parseToml(src)
  } catch (e) {
    if (e instanceof TomlError) throw parseError(src, e.line, e.column, e.width, e.message, true)
    throw e
  }
  const { data, tableLines } = doc
  const project = data.project
  if (!project) throw new UvError(`error: No \`project\` table found in: \`${file}\`\n`)
  const [hl, hc, hw] = tableLines.get(project) ?? [1, 1, 9]
  const missing = (what) =>
    parseError(
      src,
      hl,
      hc,
      hw,
      `\`pyproject.toml\` is using the \`[project]\` table, ` +
        `but the required \`project.${what}\` field ` +
        `${what === 'name' ? 'is not set' : 'is neither set nor present in the `project.dynamic` list'}`,
      false,
    )
  if (typeof project.name !== 'string') throw missing('name')
  if (typeof project.version !== 'string' && !(project.dynamic ?? []).includes('version')) throw missing('version')
  const requirement = (text) => {
    try {
      return { text, req: parseRequirement(text) }
    } catch (e) {
      const lines = src.split('\n')
      const l = lines.findIndex((x) => x.includes(JSON.stringify(text)))
      const c = l < 0 ? 1 : lines[l].indexOf(JSON.stringify(text)) + 1
      throw parseError(src, l + 1 || 1, c, JSON.stringify(text).length, `${e.message}\n${text}\n^`, false)
    }
  }
  const requiresPython = project['requires-python']
  if (requiresPython !== undefined) {
    try {
      parseSpecifiers(requiresPython)
    } catch {
      const l = src.split('\n').findIndex((x) => x.startsWith('requires-python'))
      throw parseError(
        src,
        l + 1,
        src.split('\n')[l].indexOf('"') + 1,
        requiresPython.length + 2,
        `Failed to parse version: Unexpected end of version specifier, expected operator:\n` +
          `${requiresPython}\n${'^'.repeat(requiresPython.length)}`,
        false,
      )
    }
  }
  const groups = {}
  for (const [g, list] of Object.entries(data['dependency-groups'] ?? {}))
    groups[normalizeName(g)] = list.map(requirement)
  const legacyDev = data.tool?.uv?.['dev-dependencies']
  if (legacyDev) groups.dev = [...(groups.dev ?? []), ...legacyDev.map(requirement)]
  return {
    dir,
    name: normalizeName(project.name),
    version: project.version ?? '0.0.0',
    requiresPython,
    deps: (project.dependencies ?? []).map(requirement),
    groups,
    packaged: data['build-system'] !== undefined || data.tool?.uv?.package === true,
  }
}
