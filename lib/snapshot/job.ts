// What every snapshot script does around its tree: load the settings, open the host, stop cleanly on Ctrl-C
// (the remote shell gets SIGTERM and its lock goes with it), close the SSH connection at the end.
import type { Flags } from '../cli/args.ts'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/model.ts'
import { injectedNow } from './clock.ts'
import { type SnapshotSettings, snapshotSettings } from './config.ts'
import { type SnapshotHost, snapshotHost } from './host.ts'

export interface Job {
  cfg: Config
  settings: SnapshotSettings
  host: SnapshotHost
  /** --now / KTRDR_NOW, if given; else the scripts use the host's clock. */
  injected?: Date
  dryRun: boolean
}

// biome-ignore lint/suspicious/noConfusingVoidType: a job returns its exit code, or nothing for 0
export async function withJob(flags: Flags, run: (job: Job) => Promise<number | void>): Promise<number | void> {
  const injected = injectedNow(flags.now) // a bad --now fails before any config is read or host is touched
  const cfg = loadConfig(flags.config as string | undefined)
  const settings = snapshotSettings(cfg)
  const abort = new AbortController()
  const onSignal = () => abort.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const host = snapshotHost(cfg, settings.host, Boolean(flags.local), abort.signal)
  try {
    return await run({ cfg, settings, host, injected, dryRun: Boolean(flags['dry-run']) })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await host.close()
  }
}
