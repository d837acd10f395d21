// The shared mount is a mount, not a directory (design §6.5, §8.4): on a bad day the NFS mount fails and
// leaves an empty directory behind, where workers would write results to the LXC's own disk and backups
// would land beside nothing. Every job that reads or writes the export checks it first.
import { sh } from './script.ts'

/** Why a host's shared path fails the check, in the operator's words, with the fix. */
export function unmountedReasons(path: string): { empty: string; absent: string } {
  return {
    empty: `${path} is not mounted on this host: the directory is there but is no mount (did the NFS mount fail?); mount the export there (docs/runbook.md, "The shared mount is empty"), then run this again`,
    absent: `${path} is not present on this host (design §6.5: mount the NFS export there), then run this again`,
  }
}

/**
 * One shell line: `fail(reason)` when `path` is not a mount point — `mountpoint -q` (util-linux), which reads
 * the mount table, so an empty directory where the mount should be is told apart from the mount itself.
 */
export function mountedCheck(path: string, fail: (reason: string) => string): string {
  const why = unmountedReasons(path)
  return `if ! mountpoint -q ${sh([path])}; then if [ -d ${sh([path])} ]; then ${fail(why.empty)}; else ${fail(why.absent)}; fi; fi`
}
