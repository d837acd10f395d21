// The lab as tests see it: they run on its workstation (lab/with-lab.sh: the lab's resolver, CA and builder
// engine), reach hosts by name over the lab network as an operator would, and look inside a host through its
// namespaces (onHost, hostPath) where an operator would log in. Also: the lab's config set, the stand-in
// vault's values (to search for leaks), app images in the lab registry built from the real templates, and
// helpers to run the real make targets on it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './config-copy.ts'
import { make, type RunResult } from './run.ts'
import { STANDIN_BIN } from './standins.ts'
import { tempDir } from './tmp.ts'

export const LAB_DIR = process.env.KTRDR_LAB_DIR ?? '/var/lib/ktrdr-lab'
export const LAB_CONFIG = join(REPO, 'lab/config')
export const ZONE = 'internal'
export const REGISTRY_HOST = `registry.${ZONE}`
export const REGISTRY = `${REGISTRY_HOST}/ktrdr`
export const GOOD_TAG = 'sha-e2e0001'
export const BAD_TAG = 'sha-bad0001'
/** A worker whose health check stays "starting" for a minute: a deploy of it sits in its health wait. */
export const SLOW_TAG = 'sha-5100001'
/** A worker that exits at once, so docker restarts it over and over (a crash loop), saying why in its log. */
export const CRASH_TAG = 'sha-c7a5001'
export const HOSTS = { core: 'ktrdr-core', b: 'ktrdr-workers-b', c: 'ktrdr-workers-c' } as const
export const BACKEND = `http://${HOSTS.core}.${ZONE}:8000`

/** Tests that use the lab run on its workstation; anywhere else they fail at once, saying how to run them. */
export function requireWorkstation(): void {
  if (process.env.KTRDR_LAB_WS !== '1')
    throw new Error('this suite runs on the lab workstation: use make test, or bash lab/with-lab.sh <command>')
}
requireWorkstation()

export function labEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${STANDIN_BIN}:${process.env.PATH}`,
    OP_STANDIN_VAULT: join(LAB_DIR, 'op/vault.json'),
    KTRDR_OPERATOR: 'e2e@test',
    ...extra,
  }
}

type Vault = { vaults: Record<string, Record<string, Record<string, string>>> }
const vault = (): Vault => JSON.parse(readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')) as Vault
export const registryPassword = (): string => vault().vaults['ktrdr-lab']!.registry!.password!

/** Every secret value of the lab's vault (what must never appear in argv, files or output). */
export function labSecrets(): string[] {
  return Object.values(vault().vaults).flatMap((items) =>
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

/** The pid whose namespaces are the lab host's (its anchor, lab/parts/anchor.sh). */
export function anchorOf(host: string): string {
  return readFileSync(join(LAB_DIR, 'hosts', host, 'anchor.pid'), 'utf8').trim()
}

/** A path on a lab host as this machine sees it (through the host's own mount namespace). */
export function hostPath(host: string, path: string): string {
  return `/proc/${anchorOf(host)}/root${path}`
}

/** nsenter's arguments into a lab host's network, mount and UTS namespaces (its anchor holds them). */
const into = (host: string) => ['-t', anchorOf(host), '-n', '-m', '-u', '--']

/** Run a command as root on a lab host, in its namespaces, with a root shell's environment there. */
export function onHost(host: string, args: string[], opts: { input?: string; timeout?: number } = {}): RunResult {
  const r = spawnSync(
    'nsenter',
    [...into(host), 'env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root', ...args],
    { input: opts.input ?? '', encoding: 'utf8', timeout: opts.timeout ?? 120_000, maxBuffer: 64 << 20 },
  )
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

/** `docker …` against a lab host's own engine. */
export const hostDocker = (host: string, ...args: string[]): RunResult => onHost(host, ['docker', ...args])

/** Container ids of a compose project on a host (running ones), sorted. */
export function containers(host: string, project: string): string[] {
  return hostDocker(host, 'ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`)
    .stdout.split('\n')
    .filter(Boolean)
    .sort()
}

function sh(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, {
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    cwd: REPO,
  })
  if (r.status !== 0) {
    // Said here too: uvu drops the message of an error thrown in a before-hook (ensureAppImages runs in many).
    const e = new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
    console.error(e.message)
    throw e
  }
  return r.stdout
}

/** `fn(env)` with the workstation's docker logged in to the lab registry in a throwaway DOCKER_CONFIG. */
export function withRegistryLogin<T>(fn: (env: Record<string, string>) => T): T {
  const config = tempDir('ktrdr-push-')
  try {
    sh('docker', ['login', '-u', 'ktrdr-ci', '--password-stdin', REGISTRY_HOST], {
      input: registryPassword(),
      env: { DOCKER_CONFIG: config },
    })
    return fn({ DOCKER_CONFIG: config })
  } finally {
    rmSync(config, { recursive: true, force: true })
  }
}

/**
 * Build base, backend and worker from templates/ in the workstation's engine, and a worker whose health
 * check always fails, and push them to the lab registry: the hosts pull them from there.
 */
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
    input:
      `FROM ${REGISTRY}/ktrdr-worker:${GOOD_TAG}\n` +
      `HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["false"]\n`,
  })
  sh('docker', ['build', '-q', '-t', `${REGISTRY}/ktrdr-worker:${SLOW_TAG}`, '-'], {
    input:
      `FROM ${REGISTRY}/ktrdr-worker:${GOOD_TAG}\n` +
      // Starting for a minute whatever the deploy's interval (failures in the start period do not count).
      `HEALTHCHECK --interval=60s --start-period=60s --timeout=2s --retries=30 CMD ["false"]\n`,
  })
  sh('docker', ['build', '-q', '-t', `${REGISTRY}/ktrdr-worker:${CRASH_TAG}`, '-'], {
    input:
      `FROM ${REGISTRY}/ktrdr-worker:${GOOD_TAG}\n` +
      `ENTRYPOINT ["sh", "-c", "echo \\"worker: cannot reach the broker with key $BROKER_API_KEY\\" >&2; exit 3"]\n`,
  })
  withRegistryLogin((env) => {
    for (const ref of [
      `ktrdr-backend:${GOOD_TAG}`,
      `ktrdr-worker:${GOOD_TAG}`,
      `ktrdr-worker:${BAD_TAG}`,
      `ktrdr-worker:${SLOW_TAG}`,
      `ktrdr-worker:${CRASH_TAG}`,
    ])
      sh('docker', ['push', '-q', `${REGISTRY}/${ref}`], { env })
  })
}

/**
 * A second healthy worker release: GOOD_TAG's image with one more label (`note`), pushed as `tag`. Pushed
 * again with another note, the tag moves to a new digest.
 */
export function pushWorkerVariant(tag: string, note: string = tag): void {
  pushVariant('ktrdr-worker', tag, note)
}

/**
 * A new image of ours under `tag` in the lab registry: GOOD_TAG's with one label more (another digest), and
 * any Dockerfile `lines` after it (an ENTRYPOINT that exits: a crash loop).
 */
export function pushVariant(
  image: 'ktrdr-worker' | 'ktrdr-backend',
  tag: string,
  note: string = tag,
  lines: string[] = [],
): void {
  sh('docker', ['build', '-q', '-t', `${REGISTRY}/${image}:${tag}`, '-'], {
    input: [
      `FROM ${REGISTRY}/${image}:${GOOD_TAG}`,
      `LABEL ktrdr.test-note=${JSON.stringify(note)}`,
      ...lines,
      '',
    ].join('\n'),
  })
  withRegistryLogin((env) => sh('docker', ['push', '-q', `${REGISTRY}/${image}:${tag}`], { env }))
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

/** The backend answers /health with db ok within `until`'s time (the last answer in the failure). */
export async function backendHealthy(): Promise<void> {
  const h = await until(
    () => getJson<{ db: string }>(`${BACKEND}/health`),
    (x) => x?.db === 'ok',
  )
  if (h?.db !== 'ok') throw new Error(`backend not healthy: ${JSON.stringify(h)}`)
}

/**
 * Whether a job holds the lock of `scope` on a lab host (lib/job/lock.sh's flock, shared or exclusive), read
 * from /proc/locks by the lock file's device and inode. Looking never takes the lock: a probe that took it,
 * even for a moment, could refuse the very deploy it is watching for ("held by unknown").
 */
export function lockHeld(host: string, scope: string): boolean {
  const script =
    `f=/run/lock/ktrdr/${scope}.lock; [ -e "$f" ] || exit 0; set -- $(stat -c '%d %i' "$f"); ` +
    // /proc/locks names a file major:minor:inode, in hex, from st_dev's major and minor as glibc splits them.
    `key=$(printf '%02x:%02x:%s' $((($1 >> 8) & 0xfff)) $((($1 & 0xff) | (($1 >> 12) & 0xfff00))) "$2"); ` +
    `awk -v k="$key" '$2 == "FLOCK" && $6 == k { held = 1 } END { if (held) print "held" }' /proc/locks`
  const r = onHost(host, ['bash', '-c', script])
  if (r.code !== 0) throw new Error(`lockHeld ${host} ${scope}: ${r.stderr}`)
  return r.stdout.includes('held')
}

/**
 * A job on a lab host holding the lock of `scope` the way lib/job/lock.sh takes it: flock, then an owner file
 * with the owner line and this process's start time (field 22 of /proc/$$/stat). `owner` is a shell word
 * (a quoted line; `$$` in it is the holder's own pid). Resolves with the holder once it holds the lock and
 * the owner line as written.
 */
export async function holdLock(
  host: string,
  scope: string,
  owner: string,
): Promise<{ child: ChildProcess; owner: string }> {
  const child = spawn(
    'nsenter',
    [
      ...into(host),
      'setsid',
      'bash',
      '-c',
      `mkdir -p /run/lock/ktrdr; exec 9>>/run/lock/ktrdr/${scope}.lock; flock -x 9; owner=${owner}; ` +
        `s=$(cat /proc/$$/stat); s=\${s##*) }; set -- $s; ` +
        `printf '%s\\n%s\\n' "$owner" "\${20}" > /run/lock/ktrdr/${scope}.owner.$$; ` +
        `echo "$owner"; exec sleep 300`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  const line = await new Promise<string>((ok) => child.stdout!.once('data', (d) => ok(String(d).trim())))
  return { child, owner: line }
}

/**
 * A client's view of an outage: GET `url` every 100 ms (1 s timeout) while `during` runs — asynchronously: a
 * spawnSync there would stop the probe for its whole run — and until `url` answers again afterwards; the
 * longest run of failed probes, in seconds.
 */
export async function longestDown(url: string, during: () => Promise<unknown>): Promise<number> {
  let probing = true
  let down: number | undefined
  let longest = 0
  const prober = (async () => {
    while (probing) {
      const t = Date.now()
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false)
      if (!ok && down === undefined) down = t
      if (ok && down !== undefined) {
        longest = Math.max(longest, Date.now() - down)
        down = undefined
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t))))
    }
  })()
  try {
    await during()
    for (let i = 0; i < 300 && down !== undefined; i++) await new Promise((r) => setTimeout(r, 100))
  } finally {
    probing = false
    await prober
  }
  return longest / 1000
}
