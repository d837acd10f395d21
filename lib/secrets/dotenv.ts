// Render KEY=value lines that the npm `dotenv` parser and docker compose's env_file parser both read back
// byte for byte. Their quoting rules differ, so each value gets the one form both agree on:
//   plain characters → unquoted;  no ' (and not ending in \) → '…' (both literal, newlines allowed);
//   ' but no " $ \ → "…" (no escapes or interpolation needed).  Anything else has no common form: refused.
import { OpsError } from '../errors.ts'

export function dotenvLine(name: string, value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return `${name}=${value}`
  if (!value.includes("'") && !value.endsWith('\\')) return `${name}='${value}'`
  if (!/["$\\]/.test(value)) return `${name}="${value}"`
  throw new OpsError(
    `${name}: its value contains both a single quote and one of " $ \\, which no .env quoting can carry ` +
      `so that both dotenv and docker compose read it back unchanged`,
    {
      hint:
        `rotate ${name} to a value without single quotes (1Password's generator: ` +
        `letters, digits and symbols other than ')`,
    },
  )
}

/** Fill `KEY=` lines of an env.dev.example with values, keeping its comments and order. */
export function fillTemplate(template: string, values: Record<string, string>): { text: string; filled: string[] } {
  const filled: string[] = []
  const lines = template.split('\n').map((line) => {
    const m = /^([A-Z][A-Z0-9_]*)=/.exec(line)
    if (!m || !(m[1]! in values)) return line
    filled.push(m[1]!)
    return dotenvLine(m[1]!, values[m[1]!]!)
  })
  return { text: lines.join('\n'), filled }
}

/** The variable names a template declares (for check-templates). */
export function templateKeys(template: string): string[] {
  return template.split('\n').flatMap((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1] ?? [])
}
