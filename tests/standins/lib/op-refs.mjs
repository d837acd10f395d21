// Secret references and op inject's template syntax, after
// https://developer.1password.com/docs/cli/secret-reference-syntax and
// https://developer.1password.com/docs/cli/secrets-template-syntax

/** op://vault/item/[section/]field[?attribute=...] → parts, or null when malformed. */
export function parseRef(ref) {
  if (!ref.startsWith('op://')) return null
  const path = ref.slice(5).split('?')[0]
  const parts = path.split('/')
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === '')) return null
  const [vault, item] = parts
  const field = parts[parts.length - 1]
  const section = parts.length === 4 ? parts[2] : undefined
  return { vault, item, section, field }
}

function lookup(map, name) {
  if (Object.hasOwn(map, name)) return map[name]
  const key = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : map[key]
}

/** Resolve against the stand-in vault file: { value } or { error } in op's words. */
export function resolveRef(state, ref) {
  const p = parseRef(ref)
  if (!p)
    return {
      error:
        `invalid secret reference '${ref}': ` +
        `secret references must have the form op://<vault>/<item>[/<section>]/<field>`,
    }
  const vault = lookup(state.vaults ?? {}, p.vault)
  if (vault === undefined) {
    return {
      error:
        `could not get item ${p.vault}/${p.item}: "${p.vault}" isn't a vault in this account. ` +
        `Specify the vault with its ID or name.`,
    }
  }
  const item = lookup(vault, p.item)
  if (item === undefined) {
    return {
      error:
        `could not get item ${p.vault}/${p.item}: "${p.item}" isn't an item in the "${p.vault}" vault. ` +
        `Specify the item with its UUID, name, or domain.`,
    }
  }
  const value =
    p.section !== undefined ? (lookup(item, `${p.section}/${p.field}`) ?? lookup(item, p.field)) : lookup(item, p.field)
  if (value === undefined) return { error: `item '${p.vault}/${p.item}' does not have a field '${p.field}'` }
  return { value: String(value) }
}

/** Expand $VAR, ${VAR} and ${VAR:-default} inside a reference (template variables). */
function expandVars(ref, env) {
  return ref.replace(
    /\$\{\s*([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\s*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, dflt, bare) => {
      const name = braced ?? bare
      const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase())
      if (key !== undefined) return env[key]
      return dflt ?? whole
    },
  )
}

// An enclosed reference is `{{`, a valid unenclosed reference padded with spaces, `}}`: anything else between the
// braces (a name with !, ", (, ', @ or a space) is no reference, and op leaves the text as it is.
const ENCLOSED = /\{\{ *(op:\/\/(?:[A-Za-z0-9\-?_.=/]|\$\{[^}]*\}|\$)+) *\}\}/y
const UNENCLOSED = /op:\/\/(?:[A-Za-z0-9\-?_.=]|\$\{[^}]*\}|\$|\/)+/y
const BLOCKS_UNENCLOSED = /[A-Za-z0-9\-+\\.]/

/** Split a template into literal text and references, in order. */
export function scanTemplate(text, env) {
  const pieces = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    ENCLOSED.lastIndex = i
    let m = text.startsWith('{{', i) ? ENCLOSED.exec(text) : null
    const close = text.indexOf('}}', i)
    if (!m && text.startsWith('{{', i) && close > 0 && text.slice(i, close).includes('op://')) {
      // Braces around something that is not a valid reference: text, left as it is (exit 0).
      literal += text.slice(i, close + 2)
      i = close + 2
      continue
    }
    if (!m && text.startsWith('op://', i) && (i === 0 || !BLOCKS_UNENCLOSED.test(text[i - 1]))) {
      UNENCLOSED.lastIndex = i
      m = UNENCLOSED.exec(text)
      if (m) m = [m[0], m[0]]
    }
    if (m) {
      if (literal) pieces.push({ text: literal })
      literal = ''
      pieces.push({ ref: expandVars(m[1], env) })
      i += m[0].length
    } else {
      literal += text[i]
      i += 1
    }
  }
  if (literal) pieces.push({ text: literal })
  return pieces
}
