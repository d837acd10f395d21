// Log in to a registry for the length of one job without leaving credentials anywhere: a throwaway
// DOCKER_CONFIG (tmpfs where there is one) whose only entry sends this registry's credentials to a
// credential helper of ours. `docker login` (password on stdin) checks them with the registry and hands
// them to the helper's `store`, which keeps nothing; `docker push` asks the helper's `get`, which answers
// from the environment of that one docker command. So no file — on Linux or macOS, where $TMPDIR is disk —
// ever holds the password, and ~/.docker/config.json is never touched. The directory is removed
// afterwards: on success, on failure, on Ctrl-C and on exit.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OpsError } from '../errors.ts'
import { runWithStdin } from '../job/spawn.ts'
import type { Secret } from '../secrets/secret.ts'
import { dockerLoginArgs, registryHost } from './commands.ts'

/** The credential helper's name: docker runs `docker-credential-<name> get|store|erase|list`. */
export const CRED_HELPER = 'ktrdr-job'

/** The helper: `get` answers from KTRDR_REGISTRY_USERNAME/SECRET, `store` and `erase` keep nothing. */
export function credHelperSource(node = process.execPath): string {
  return [
    `#!${node}`,
    '// docker credential helper for one ktrdr-ops job (lib/build/login.ts): stores nothing, ever.',
    "let input = ''",
    "process.stdin.on('data', (d) => (input += d)).on('end', () => {",
    '  const op = process.argv[2]',
    "  if (op === 'list') return process.stdout.write('{}')",
    "  if (op !== 'get') return // store, erase: the credentials are dropped",
    '  const secret = process.env.KTRDR_REGISTRY_SECRET',
    "  if (!secret) { process.stdout.write('credentials not found in native keychain'); process.exitCode = 1; return }",
    '  process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ' +
      "Username: process.env.KTRDR_REGISTRY_USERNAME ?? '', Secret: secret }))",
    '})',
    '',
  ].join('\n')
}

/** tmpfs first (/dev/shm, then $XDG_RUNTIME_DIR); the OS temp dir only where neither exists (macOS). */
export function tmpfsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (existsSync('/dev/shm')) return '/dev/shm'
  if (env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR)) return env.XDG_RUNTIME_DIR
  return tmpdir()
}

export interface Session {
  /**
   * Env for the docker command that needs the credentials (the push): DOCKER_CONFIG, the helper on PATH,
   * and the username and password for the helper's `get`. Holds the password: give it to that command only.
   */
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
  const host = registryHost(registryUrl)
  mkdirSync(join(dir, 'bin'), { mode: 0o700 })
  const helper = join(dir, 'bin', `docker-credential-${CRED_HELPER}`)
  writeFileSync(helper, credHelperSource(), { mode: 0o700 })
  chmodSync(helper, 0o700)
  // Only this registry, and only through the helper (never the platform's keychain, pass or secretservice).
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ credHelpers: { [host]: CRED_HELPER } })}\n`, {
    mode: 0o600,
  })
  const base = { ...process.env, DOCKER_CONFIG: dir, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` }
  // The docker commands of the job (push) get the credentials in their environment, for the helper's `get`.
  const env = { ...base, KTRDR_REGISTRY_USERNAME: username, KTRDR_REGISTRY_SECRET: password.reveal() }
  const [cmd, ...args] = dockerLoginArgs(host, username)
  const p = await runWithStdin(cmd!, args, password.reveal(), { env: base })
  if (p.exitCode !== 0) {
    close()
    throw new OpsError(
      `docker login to ${host} as ${username} failed: ${p.stderr.trim().split('\n').slice(-3).join(' ')}`,
      {
        hint:
          'check registry.username in stack-config.yml ' +
          'and the REGISTRY_PASSWORD reference in secrets.yml (or the env var with SECRETS_PROVIDER=env)',
      },
    )
  }
  return { env, dir, close }
}
