// Flags shared by recover-worker and recover-core.
import type { FlagSpec } from '../cli/args.ts'
import { DEPLOY_FLAGS } from '../deploy/flags.ts'

export const RECOVER_FLAGS: Record<string, FlagSpec> = {
  tag: {
    ...DEPLOY_FLAGS.tag!,
    description:
      'image tag to deploy, e.g. sha-a1b2c3d (default: the last successful deploy this workstation recorded; ' +
      'make status shows it)',
  },
  'force-unlock': DEPLOY_FLAGS['force-unlock']!,
  'health-timeout': DEPLOY_FLAGS['health-timeout']!,
  'secrets-provider': DEPLOY_FLAGS['secrets-provider']!,
}
