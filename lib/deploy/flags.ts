// Flags shared by deploy-core and deploy-workers.
import { SECRET_PROVIDERS } from '../config/schema.ts'
import type { FlagSpec } from '../cli/args.ts'

export const DEPLOY_FLAGS: Record<string, FlagSpec> = {
  tag: {
    type: 'string',
    description: 'image tag to deploy, e.g. sha-a1b2c3d (required: CI publishes sha-<short> on merge to main)',
  },
  'dry-run': {
    type: 'boolean',
    description: 'print per host the exact commands and variable names (values masked); touch nothing',
  },
  'force-unlock': {
    type: 'boolean',
    description: "stop the job that holds the host's lock (one that hangs; a dead run holds none), then deploy",
  },
  'health-timeout': {
    type: 'string',
    description: 'seconds to wait for healthy containers before rolling back',
    default: '120',
  },
  'secrets-provider': {
    type: 'string',
    description: 'where secrets come from (default: provider: in secrets.yml)',
    choices: [...SECRET_PROVIDERS],
  },
}
