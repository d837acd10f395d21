// Who runs a job, as locks, audit lines and deploy records name them: KTRDR_OPERATOR, else user@machine.
import { hostname, userInfo } from 'node:os'

export function operator(): string {
  return process.env.KTRDR_OPERATOR ?? `${userInfo().username}@${hostname()}`
}
