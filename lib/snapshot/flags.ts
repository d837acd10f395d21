// Flags shared by the snapshot scripts (make: LOCAL=1, NOW=…, DRY_RUN=1).
import type { FlagSpec } from '../cli/args.ts'

export const LOCAL_FLAG: Record<string, FlagSpec> = {
  local: {
    type: 'boolean',
    description: 'run on this machine instead of the core host over SSH (the systemd timer does)',
  },
}

export const NOW_FLAG: Record<string, FlagSpec> = {
  now: {
    type: 'string',
    description: "pretend it is this ISO time, e.g. 2026-11-27T12:00:00Z (also KTRDR_NOW; default: the host's clock)",
  },
}

export const DRY_RUN_FLAG: Record<string, FlagSpec> = {
  'dry-run': { type: 'boolean', description: 'print what would be done and why; change nothing' },
}
