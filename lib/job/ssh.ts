// SSH to a host: a connect timeout, BatchMode (never a password prompt), the script on stdin of `bash -s`,
// and by default one multiplexed connection per host for the whole run (ControlMaster); a run with one
// session per host (deploy) asks for no master at all.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $, type ProcessOutput } from 'zx/core'
import type { Config, Host } from '../config/model.ts'
import type { Executor, RunOptions } from './executor.ts'
import { framed } from './render.ts'
import { framedSession, openSession, runWithStdin } from './spawn.ts'

export interface SshTarget {
  name: string
  target: string
  configFile?: string
  connectTimeout: number
  /**
   * Share one master connection between this run's ssh commands (ControlMaster; closeConnections ends it).
   * False for a run that opens exactly one session per host (deploy): no master to set up and close.
   */
  multiplex: boolean
}

export function sshTarget(cfg: Config, host: Host, o: { multiplex?: boolean } = {}): SshTarget {
  return {
    name: host.name,
    target: host.ssh,
    configFile: cfg.stack.ssh.config_file,
    connectTimeout: cfg.stack.ssh.connect_timeout,
    multiplex: o.multiplex ?? true,
  }
}

/**
 * Short, private directory for this run's control sockets (unix socket paths are limited to ~100 bytes),
 * made on first use by mkdtemp: a fresh name, mode 0700, never a directory someone else prepared (a
 * predictable name in /tmp could be made first by another user, who could then stand in for the master).
 */
let controlDirPath: string | undefined
export const controlDir = (): string => (controlDirPath ??= mkdtempSync(join(tmpdir(), 'ktrdr-ssh-')))

/** The ssh argv, as data. */
export function sshArgs(t: SshTarget, remote: string[] = ['bash', '-s']): string[] {
  return [
    ...(t.configFile ? ['-F', t.configFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${t.connectTimeout}`,
    // Not multiplexing means no master at all, whatever the user's ssh config says (ControlMaster there would
    // otherwise ride an existing master or leave one behind).
    ...(t.multiplex
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(controlDir(), '%C')}`, '-o', 'ControlPersist=120']
      : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']),
    '-o',
    'ServerAliveInterval=10',
    '-o',
    'ServerAliveCountMax=3',
    t.target,
    '--',
    ...remote,
  ]
}

/** Targets whose master connection may live in controlDir(): the directory goes once the last is closed. */
const openTargets = new Set<SshTarget>()

export function sshExecutor(t: SshTarget): Executor {
  if (t.multiplex) openTargets.add(t)
  return {
    label: t.name,
    run: (script: string, opts: RunOptions = {}): Promise<ProcessOutput> =>
      runWithStdin('ssh', sshArgs(t), framed(script), opts),
    session: (opts: RunOptions = {}) => framedSession(openSession('ssh', sshArgs(t), opts)),
  }
}

/** Close every master connection this run opened (end of run, and on Ctrl-C). */
export async function closeConnections(targets: SshTarget[]): Promise<void> {
  await Promise.all(
    targets
      .filter((t) => t.multiplex)
      .map(
        (t) =>
          $({
            quiet: true,
            nothrow: true,
            timeout: '5s',
          })`ssh ${[...sshArgs(t, []).slice(0, -2), '-O', 'exit', t.target]}`,
      ),
  )
  for (const t of targets) openTargets.delete(t)
  // Hosts of the same run may still be connecting through their own sockets here (a run over several hosts
  // closes each as it finishes): the directory goes with the last of them.
  if (openTargets.size) return
  if (controlDirPath) rmSync(controlDirPath, { recursive: true, force: true })
  controlDirPath = undefined
}
