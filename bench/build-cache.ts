// bench: backend and worker rebuild times with a warm cache after a code-only change, and proof that the
// dependency layer came from cache (the build log's cached steps, and the image layers before/after).
// Real engine, real entry points (make build-*). Figures only, no timed assertions.
//   npx tsx bench/build-cache.ts        (lab: base from ktrdr-lab/python:3.13 without uv, as in docs/build.md)
import { appendFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { tempDir } from '../tests/helpers/tmp.ts'

const REPO = join(import.meta.dirname, '..')
const sh = (cmd: string, args: string[], cwd = REPO) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '1' } })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const app = tempDir('ktrdr-bench-app-')
cpSync(join(REPO, 'examples/ktrdr-app'), app, { recursive: true })
const git = (...a: string[]) =>
  sh('git', ['-C', app, '-c', 'user.email=bench@example.org', '-c', 'user.name=bench', ...a])
git('init', '-q')
git('add', '-A')
git('commit', '-qm', 'bench')

const labBase = spawnSync('docker', ['image', 'inspect', 'ktrdr-lab/python:3.13']).status === 0
sh('make', ['-s', 'build-base', ...(labBase ? ['BASE_IMAGE=ktrdr-lab/python:3.13', 'INSTALL_UV=0'] : [])])

interface Run {
  kind: string
  wall: number
  build: string
  layers: string[]
  depsId?: string
}

function build(kind: 'backend' | 'worker', tag: string): Run {
  const t0 = performance.now()
  const out = sh('make', ['-s', `build-${kind}`, `APP=${app}`, `TAG=${tag}`])
  const wall = (performance.now() - t0) / 1000
  const ref = `ghcr.io/ktrdr/ktrdr-${kind}:${tag}`
  const layers = JSON.parse(sh('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref])) as string[]
  // Legacy builder: each step leaves an image ID in the history; the same ID before and after = cache hit.
  const history = sh('docker', ['history', '--no-trunc', '--format', '{{.ID}}\t{{.CreatedBy}}', ref]).split('\n')
  const depsId = history.find((l) => l.includes('requirements.lock.txt') && /RUN|pip install/.test(l))?.split('\t')[0]
  return {
    kind,
    wall,
    build: /build: (.*)/.exec(out)?.[1] ?? '?',
    layers,
    depsId: depsId === '<missing>' ? undefined : depsId,
  }
}

const shared = (a: string[], b: string[]) =>
  a.findIndex((l, i) => l !== b[i]) === -1 ? Math.min(a.length, b.length) : a.findIndex((l, i) => l !== b[i])

const rows: string[] = []
for (const kind of ['backend', 'worker'] as const) {
  const warm = build(kind, 'bench-1')
  appendFileSync(join(app, 'ktrdr', `${kind}.py`), `\n# bench: code-only change ${Date.now()}\n`)
  const code = build(kind, 'bench-2')
  appendFileSync(join(app, 'requirements.lock.txt'), `# bench: lock touched ${Date.now()}\n`)
  const lock = build(kind, 'bench-3')
  const depsCached = code.depsId ? code.depsId === warm.depsId : undefined
  rows.push(
    `${kind}:`,
    `  first build (warm cache)        ${warm.wall.toFixed(2)} s wall   ${warm.build}`,
    `  after a code-only change        ${code.wall.toFixed(2)} s wall   ${code.build}`,
    `    image layers shared with before: ${shared(warm.layers, code.layers)}/${code.layers.length}` +
      (depsCached === undefined
        ? ''
        : `; dependency step image ${code.depsId!.slice(7, 19)} ` +
          `${depsCached ? '= before (from cache)' : '≠ before (rebuilt)'}`),
    `  after touching requirements.lock.txt (contrast) ${lock.wall.toFixed(2)} s wall   ${lock.build}`,
  )
  git('checkout', '-q', '--', '.')
}
for (const kind of ['backend', 'worker'])
  spawnSync('docker', ['rmi', ...[1, 2, 3].map((n) => `ghcr.io/ktrdr/ktrdr-${kind}:bench-${n}`)], { stdio: 'ignore' })
console.log(
  `engine: docker ${sh('docker', ['version', '--format', '{{.Server.Version}}']).trim()} ` +
    `(${spawnSync('docker', ['buildx', 'version']).status === 0 ? 'BuildKit' : 'legacy builder'}); ` +
    `base ${labBase ? 'ktrdr-lab/python:3.13, INSTALL_UV=0' : 'Dockerfile default'}`,
)
console.log(rows.join('\n'))
