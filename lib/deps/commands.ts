// uv command lines for the dependency lock (design §4.3). Run with cwd = the app checkout, so the header
// uv writes into requirements.lock.txt names no local path. Pure builders: nothing runs here.
export const LOCK_FILE = 'requirements.lock.txt'

/** Resolve pyproject.toml into uv.lock (kept when still satisfied). */
export function uvLockArgs(): string[] {
  return ['uv', 'lock']
}

/** Fails when uv.lock no longer matches pyproject.toml (uv 0.7 exits 2, 0.8 and later 1); writes nothing. */
export function uvLockCheckArgs(): string[] {
  return ['uv', 'lock', '--check']
}

/**
 * uv.lock → pip-compatible pins with hashes, on stdout. --frozen: from the lock as it is, no re-resolution;
 * --no-dev: images get runtime deps only; --no-emit-project: no `-e .` line (pip --require-hashes refuses it).
 */
export function uvExportArgs(): string[] {
  return ['uv', 'export', '--format', 'requirements-txt', '--frozen', '--no-dev', '--no-emit-project']
}
