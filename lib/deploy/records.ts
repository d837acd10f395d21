// A deploy's record, kept on this workstation (lib/records/workstation.ts) for every host whose deploy ran.
import type { Config } from '../config/model.ts'
import { operator } from '../job/operator.ts'
import { appendRecords } from '../records/workstation.ts'
import type { HostDeploy } from './plan.ts'

/** The workstation's copy of each host's deploy record (lib/records/workstation.ts): a warning when not kept. */
export function keepRecords(
  cfg: Config,
  deploys: HostDeploy[],
  tag: string,
  results: Map<string, string>,
  digests: Map<string, Map<string, string>>,
): string | undefined {
  const time = new Date().toISOString()
  const who = operator()
  return appendRecords(
    deploys
      .filter((d) => results.has(d.label))
      .map((d) => ({
        v: 1 as const,
        time,
        config: cfg.dir,
        label: d.label,
        host: d.host.name,
        compose_path: d.composePath,
        job: d.job,
        tag,
        services: d.services,
        digests: Object.fromEntries(digests.get(d.label) ?? []),
        operator: who,
        result: results.get(d.label)!,
      })),
  )
}
