// The tag a recovery deploys: TAG= when given; else what this workstation recorded as the stack's last
// successful deploy (lib/records/workstation.ts), since the lost host's own audit log went with it.
import type { Config } from '../config/model.ts'
import { checkTag } from '../deploy/plan.ts'
import { UsageError } from '../errors.ts'
import { describeRecord, lastDeployed, readRecords, recordsFile } from '../records/workstation.ts'

export interface RecoverTag {
  tag: string
  /** Where the tag came from when TAG= was not given: the record, in words. */
  from?: string
}

/** `service`: the core's own image (backend): a deploy of the core that left it out says nothing of its tag. */
export function recoverTag(given: string | undefined, cfg: Config, label: string, service?: string): RecoverTag {
  if (given !== undefined) return { tag: checkTag(given) }
  const { ok, latest } = lastDeployed(readRecords(cfg).records, label, service)
  if (!ok)
    throw new UsageError(
      `no image tag: pass TAG=sha-<short> (make) or --tag; this workstation has no record of a successful deploy ` +
        `of ${label} with this config (${recordsFile()})`,
      'the tag the stack ran before the loss: CI publishes sha-<short> for every merge to main (design §4.2)',
    )
  const newer = latest && latest !== ok ? `; the newest record is ${describeRecord(latest)}` : ''
  return {
    tag: checkTag(ok.tag),
    from:
      `TAG ${ok.tag}: the last successful deploy of ${label} this workstation recorded: ` +
      `${describeRecord(ok)}${newer}`,
  }
}
