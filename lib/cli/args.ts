// Flags as data: each script declares its flags once; --help, parsing and the make-variable
// convention (--dry-run ← DRY_RUN=1, --node C ← NODE=C) all come from that declaration.
import { parseArgs } from 'node:util'
import { UsageError } from '../errors.ts'

export interface FlagSpec {
  type: 'string' | 'boolean'
  description: string
  /** Shown in --help; string flags only. */
  default?: string
  /** For string flags: the allowed values. */
  choices?: readonly string[]
  /** How make sets it when that is not a make variable of the same name (e.g. by the target itself). */
  make?: string
}

export interface ScriptSpec {
  name: string
  summary: string
  flags: Record<string, FlagSpec>
  /** Extra help lines: examples, what runs where. */
  notes?: string[]
}

export const COMMON_FLAGS: Record<string, FlagSpec> = {
  config: { type: 'string', description: 'config directory (also KTRDR_CONFIG_DIR)', default: 'infra/homelab' },
  verbose: { type: 'boolean', description: 'print every command and stack traces (secrets still masked)' },
  help: { type: 'boolean', description: 'show this help' },
}

export type Flags = Record<string, string | boolean | undefined>

/** `dry-run` → `DRY_RUN`: the make variable that sets a flag. */
export function makeVar(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_')
}

export function allFlags(spec: ScriptSpec): Record<string, FlagSpec> {
  return { ...spec.flags, ...COMMON_FLAGS }
}

export function parseFlags(spec: ScriptSpec, argv: string[]): Flags {
  const flags = allFlags(spec)
  let values: Flags
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(flags).map(([n, f]) => [n, { type: f.type }])),
      strict: true,
      allowPositionals: false,
    }).values as Flags
  } catch (e) {
    throw new UsageError(`${spec.name}: ${(e as Error).message.split('\n')[0]}`, `run: ${spec.name} --help`)
  }
  for (const [name, f] of Object.entries(flags)) {
    const v = values[name]
    if (typeof v === 'string' && f.choices && !f.choices.includes(v))
      throw new UsageError(`${spec.name}: --${name} must be one of ${f.choices.join(', ')} (got "${v}")`)
    if (v === undefined && f.default !== undefined && name !== 'config') values[name] = f.default
  }
  return values
}

export function helpText(spec: ScriptSpec): string {
  const rows = Object.entries(allFlags(spec)).map(([n, f]) => {
    const left = `--${n}${f.type === 'string' ? ` <${f.choices ? f.choices.join('|') : 'value'}>` : ''}`
    const mk = n === 'help' ? '' : `  [make: ${f.make ?? `${makeVar(n)}=${f.type === 'string' ? '…' : '1'}`}]`
    return `  ${left.padEnd(34)} ${f.description}${f.default ? ` (default: ${f.default})` : ''}${mk}`
  })
  return [
    `${spec.name} — ${spec.summary}`,
    '',
    `usage: ${spec.name} [flags]`,
    '',
    'flags:',
    ...rows,
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
  ].join('\n')
}
