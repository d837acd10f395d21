// Pure command builders for image builds (STYLE: Kamal): each returns the exact argv to run, nothing runs here.
import { quote } from 'zx/core'

export type ImageKind = 'base' | 'backend' | 'worker' | 'db'

export interface BuildSpec {
  dockerfile: string
  /** Full image reference: <registry url>/<image name>:<tag>. */
  ref: string
  buildArgs: Record<string, string>
  context: string
  /**
   * An earlier image of the same repository whose layers may be reused (BuildKit's registry cache): the build
   * then also writes its own cache metadata into the image (BUILDKIT_INLINE_CACHE), so the next one can.
   */
  cacheFrom?: string
}

/** `docker build -f … -t … --build-arg K=V … [--cache-from R] <context>`; build args in the order given. */
export function dockerBuildArgs(spec: BuildSpec): string[] {
  const args = Object.entries(spec.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`])
  const cache = spec.cacheFrom ? ['--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--cache-from', spec.cacheFrom] : []
  return ['docker', 'build', '-f', spec.dockerfile, '-t', spec.ref, ...args, ...cache, spec.context]
}

/** The password never appears here: it goes to `docker login` on stdin. */
export function dockerLoginArgs(host: string, username: string): string[] {
  return ['docker', 'login', host, '--username', username, '--password-stdin']
}

export function dockerPushArgs(ref: string): string[] {
  return ['docker', 'push', ref]
}

/** Prints `<image id> <revision label>`; `with` guards images that carry no labels at all. */
export function revisionLabelArgs(ref: string): string[] {
  return [
    'docker',
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{with .Config.Labels}}{{index . "org.opencontainers.image.revision"}}{{end}}',
    ref,
  ]
}

/** `ghcr.io/ktrdr` → `ghcr.io`; `127.0.0.1:5000/ktrdr` → `127.0.0.1:5000`: what `docker login` takes. */
export function registryHost(registryUrl: string): string {
  return registryUrl.split('/')[0]!
}

/** A command line for logs and dry runs: each element quoted the way zx would pass it to bash. */
export function render(argv: string[]): string {
  return argv.map((a) => quote(a)).join(' ')
}
