// The lab as tests see it: its config set, the stand-in vault's values (to search for leaks), app images
// in the lab registry built from the real templates, and a helper to run the real make targets on it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO } from './config-copy.ts'
import { make, type RunResult } from './run.ts'
import { STANDIN_BIN } from './standins.ts'

export const LAB_DIR = process.env.KTRDR_LAB_DIR ?? '/var/lib/ktrdr-lab'
export const LAB_CONFIG = join(REPO, 'lab/config')
export const REGISTRY = '127.0.0.1:5000/ktrdr'
export const GOOD_TAG = 'sha-e2e0001'
export const BAD_TAG = 'sha-bad0001'

export function labEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${STANDIN_BIN}:${process.env.PATH}`,
    OP_STANDIN_VAULT: join(LAB_DIR, 'op/vault.json'),
    KTRDR_OPERATOR: 'e2e@test',
    ...extra,
  }
}

/** Every secret value of the lab's vault (what must never appear in argv, files or output). */
export function labSecrets(): string[] {
  const v = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')) as {
    vaults: Record<string, Record<string, Record<string, string>>>
  }
  return Object.values(v.vaults).flatMap((items) =>
    Object.values(items).flatMap((f) =>
      Object.entries(f)
        .filter(([k]) => k !== 'username')
        .map(([, x]) => x),
    ),
  )
}

export function labMake(
  target: string,
  vars: Record<string, string> = {},
  env: Record<string, string> = {},
): RunResult {
  return make(target, { CONFIG: LAB_CONFIG, ...vars }, { env: labEnv(env), timeout: 300_000 })
}

/** labMake that also keeps every line each run printed, for the leak check at the end of a suite. */
export function recordingMake(): { run: typeof labMake; output: string[] } {
  const output: string[] = []
  const run: typeof labMake = (target, vars, env) => {
    const r = labMake(target, vars, env)
    output.push(r.stdout, r.stderr)
    return r
  }
  return { run, output }
}

function sh(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): string {
  const r = spawnSync(cmd, args, {
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd ?? REPO,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

/** Build base, backend and worker from templates/ (real engine) and a worker whose health check always fails. */
export function ensureAppImages(): void {
  const app = join(REPO, 'examples/ktrdr-app')
  sh('docker', [
    'build',
    '-q',
    '-f',
    'templates/Dockerfile.base',
    '--build-arg',
    'BASE_IMAGE=ktrdr-lab/python:3.13',
    '--build-arg',
    'INSTALL_UV=0',
    '-t',
    'ktrdr-base:py3.13-v1',
    app,
  ])
  for (const svc of ['backend', 'worker'])
    sh('docker', [
      'build',
      '-q',
      '-f',
      `templates/Dockerfile.${svc}`,
      '--build-arg',
      'BASE=ktrdr-base:py3.13-v1',
      '--build-arg',
      `REVISION=${GOOD_TAG}`,
      '-t',
      `${REGISTRY}/ktrdr-${svc}:${GOOD_TAG}`,
      app,
    ])
  sh('docker', ['build', '-q', '-t', `${REGISTRY}/ktrdr-worker:${BAD_TAG}`, '-'], {
    input: `FROM ${REGISTRY}/ktrdr-worker:${GOOD_TAG}\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["false"]\n`,
  })
  const config = mkdtempSync(join(tmpdir(), 'ktrdr-push-'))
  try {
    const vault = JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8'))
    sh('docker', ['login', '-u', 'ktrdr-ci', '--password-stdin', '127.0.0.1:5000'], {
      input: vault.vaults['ktrdr-lab'].registry.password,
      env: { DOCKER_CONFIG: config },
    })
    for (const ref of [`ktrdr-backend:${GOOD_TAG}`, `ktrdr-worker:${GOOD_TAG}`, `ktrdr-worker:${BAD_TAG}`])
      sh('docker', ['push', '-q', `${REGISTRY}/${ref}`], { env: { DOCKER_CONFIG: config } })
  } finally {
    rmSync(config, { recursive: true, force: true })
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) })
  return (await r.json()) as T
}

/** Poll until check() returns true or the time is up; returns the last value seen. */
export async function until<T>(get: () => Promise<T>, check: (v: T) => boolean, seconds = 40): Promise<T> {
  const end = Date.now() + seconds * 1000
  let last: T = await get().catch(() => undefined as T)
  while (!check(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500))
    last = await get().catch(() => last)
  }
  return last
}
