// Which jobs exclude each other on a host: one rule for every area (lib/job/lock.sh does the locking). Jobs
// that change the core take its `core` lock exclusively; those that only read the database take it shared,
// so a backup or a drill runs beside a worker deploy but never beside a restore or a deploy of the core;
// jobs on the backups directory take `backups` exclusively; each worker node has its own lock.
import { sh } from './render.ts'
import { operator } from './operator.ts'

export type LockMode = 'x' | 's'
export interface Lock {
  scope: string
  mode: LockMode
  /** Seconds to wait for it (default 0: refuse at once). */
  wait?: number
}

/** The locks each job takes, in this order (always the same order: two jobs can never wait on each other). */
export const LOCKS = {
  'deploy-core': [{ scope: 'core', mode: 'x' }],
  'deploy-workers': [], // + node(<name>)
  restore: [
    { scope: 'core', mode: 'x' },
    { scope: 'backups', mode: 'x' },
  ],
  backup: [
    { scope: 'core', mode: 's' },
    { scope: 'backups', mode: 'x' },
  ],
  'backup-verify': [
    { scope: 'core', mode: 's' },
    { scope: 'backups', mode: 'x' },
  ],
  'backup-prune': [{ scope: 'backups', mode: 'x' }],
  // Point-in-time recovery: base backups read the core (shared), a restore to a moment replaces it.
  'base-backup': [
    { scope: 'core', mode: 's' },
    { scope: 'pitr', mode: 'x' },
  ],
  'restore-pitr': [
    { scope: 'core', mode: 'x' },
    { scope: 'backups', mode: 'x' },
    { scope: 'pitr', mode: 'x' },
  ],
  // An hourly snapshot waits out a prune (seconds) rather than skip its hour.
  snapshot: [{ scope: 'snapshots', mode: 's', wait: 30 }],
  'snapshot-copy': [{ scope: 'snapshots', mode: 's', wait: 30 }],
  'snapshot-prune': [{ scope: 'snapshots', mode: 'x', wait: 30 }],
} as const satisfies Record<string, readonly Lock[]>

export type LockedJob = keyof typeof LOCKS

/** A worker node's own lock. */
export const nodeLock = (name: string): Lock => ({ scope: `node-${name.toLowerCase()}`, mode: 'x' })

/** The owner line a holder leaves: the job, who, this process, since when (and what it deploys). */
export function lockOwner(job: string, extra = ''): string {
  return `${job} by ${operator()} pid ${process.pid} since ${new Date().toISOString()}${extra ? ` ${extra}` : ''}`
}

/** lockOwner's line read back: its parts, or {} for a line in another format (an older toolkit's). */
export function parseOwner(line: string): { job?: string; who?: string; pid?: number; since?: string; extra?: string } {
  const m = /^(\S+) by (\S+) pid (\d+) since (\S+)(?: (.*))?$/.exec(line)
  return m ? { job: m[1], who: m[2], pid: Number(m[3]), since: m[4], extra: m[5] } : {}
}

/** The lines that take a job's locks (the body must include lib/job/lock.sh). */
export function lockLines(locks: readonly Lock[], owner: string, force = false): string[] {
  return [
    ...(force ? ['ktrdr_force_unlock=1'] : []),
    ...locks.map((l) => `ktrdr_lock ${sh([l.scope, l.mode, owner, ...(l.wait ? [l.wait] : [])])}`),
  ]
}
