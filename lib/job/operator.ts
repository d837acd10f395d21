// Who runs a job, as locks, audit lines and deploy records name them: KTRDR_OPERATOR, else user@machine.
import { hostname, userInfo } from 'node:os'

export function operator(): string {
  if (process.env.KTRDR_OPERATOR) return process.env.KTRDR_OPERATOR
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    /* no passwd entry (containers) */
  }
  return `${user}@${hostname()}`
}
