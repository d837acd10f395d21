import { OpsError } from '../errors.ts'

/**
 * The one error type thrown by lib/snapshot. `field` names the input that was
 * wrong (`policy.daily`, `dataset`, `zfs list line 3`) so the CLI can print
 * `field: message` the way the config loader does.
 */
export class SnapshotError extends OpsError {
  readonly field: string

  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}
