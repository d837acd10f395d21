// Log in to a registry for the length of one job without leaving credentials behind: a throwaway
// DOCKER_CONFIG directory in tmpfs (mode 0700), the password on docker login's stdin, the directory
// removed afterwards — on success, on failure and on Ctrl-C. ~/.docker/config.json is never touched.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'zx/core'
import { OpsError } from '../errors.ts'
import type { Secret } from '../secrets/secret.ts'
import { dockerLoginArgs, registryHost } from './commands.ts'

/** A docker config with one placeholder auth: keeps `docker login` from picking a credential helper. */
export const DOCKER_CONFIG_SEED = { auths: { 'ktrdr.invalid': {} } }

/** tmpfs first (/dev/shm, then $XDG_RUNTIME_DIR); the OS temp dir only where neither exists (macOS). */
export function tmpfsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (existsSync('/dev/shm')) return '/dev/shm'
  if (env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR)) return env.XDG_RUNTIME_DIR
  return tmpdir()
}

export interface Session {
  /** Env for docker commands that need the login (DOCKER_CONFIG set). */
  env: NodeJS.ProcessEnv
  dir: string
  close(): void
}

/** Create the throwaway config dir and log in; the caller must close() it (in `finally`). */
export async function openSession(registryUrl: string, username: string, password: Secret): Promise<Session> {
  const dir = mkdtempSync(join(tmpfsRoot(), 'ktrdr-docker-'))
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  const onSignal = (sig: NodeJS.Signals) => {
    close()
    process.kill(process.pid, sig) // handlers removed: the default action (exit) follows
  }
  // Exit too: an EPIPE exit or an uncaught error skips the caller's `finally`.
  const onExit = () => rmSync(dir, { recursive: true, force: true })
  const close = () => {
    rmSync(dir, { recursive: true, force: true })
    for (const s of signals) process.removeListener(s, onSignal)
    process.removeListener('exit', onExit)
  }
  for (const s of signals) process.once(s, onSignal)
  process.once('exit', onExit)
  const env = { ...process.env, DOCKER_CONFIG: dir }
  // With no auth entries at all, docker looks for the platform's credential helper (osxkeychain, pass,
  // secretservice) and would store the password there, outliving this directory. One placeholder entry
  // keeps it in this file, which close() deletes.
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(DOCKER_CONFIG_SEED)}\n`, { mode: 0o600 })
  const host = registryHost(registryUrl)
  const p = await $({ env, input: password.reveal(), quiet: true, nothrow: true })`${dockerLoginArgs(host, username)}`
  if (p.exitCode !== 0) {
    close()
    throw new OpsError(`docker login to ${host} as ${username} failed: ${p.stderr.trim().split('\n').slice(-3).join(' ')}`, {
      hint: 'check registry.username in stack-config.yml and the REGISTRY_PASSWORD reference in secrets.yml (or the env var with SECRETS_PROVIDER=env)',
    })
  }
  return { env, dir, close }
}
