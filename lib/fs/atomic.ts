// Write a file so that readers see either the old content or the whole new one: temp file in the same
// directory (created exclusively with the final mode), fsync, rename, fsync the directory. `tmpDir` puts
// the temp file elsewhere on the same filesystem (dev-env: inside .git, which git never tracks, so a run
// killed before the rename cannot leave secrets where `git add -A` would pick them up).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

export function writeFileAtomic(path: string, content: string, mode = 0o600, tmpDir = dirname(path)): void {
  const dir = dirname(path)
  const tmp = join(tmpDir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'wx', mode)
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  closeSync(fd)
  try {
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
  const dfd = openSync(dir, 'r')
  try {
    fsyncSync(dfd)
  } finally {
    closeSync(dfd)
  }
}
