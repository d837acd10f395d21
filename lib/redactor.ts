// One redactor for the whole process: every secret value is registered the moment it is read,
// and every line the toolkit prints passes through redact() (see cli/output.ts).
import { quote } from './shell-quote.ts'

export const MASK = '••••••'

const values = new Set<string>()
let sorted: string[] = []

/** The forms a value can take in output: raw, each line of a multi-line value, JSON-, shell- and URL-escaped. */
function formsOf(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), quote(value), encodeURIComponent(value)]
  if (value.includes('\n')) forms.push(...value.split(/\r?\n/).filter((l) => l.trim().length >= 4))
  return forms.filter((f) => f.length > 0)
}

export function registerSecret(value: string): void {
  if (!value) return
  for (const f of formsOf(value)) values.add(f)
  sorted = [...values].sort((a, b) => b.length - a.length)
}

export function redact(text: string): string {
  let out = text
  for (const v of sorted) if (out.includes(v)) out = out.split(v).join(MASK)
  return out
}

/** How many distinct forms are registered (for tests and the debug summary; never the values). */
export function registeredCount(): number {
  return values.size
}
