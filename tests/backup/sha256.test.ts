// backup.sh's sha256_of, which the backup's read-back, the restore's check and backup-status use: OpenSSL's
// digest where the host has it (it uses the CPU's SHA instructions), coreutils' sha256sum where it has not; both
// give the hex digest alone, and nothing but a failure for a file that cannot be read.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/config-copy.ts'

const dir = mkdtempSync(join(tmpdir(), 'ktrdr-sha-'))
const file = join(dir, 'dump')
const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251))
writeFileSync(file, bytes)
const want = createHash('sha256').update(bytes).digest('hex')
// A PATH with sha256sum and no openssl: the fallback.
const bin = join(dir, 'bin')
mkdirSync(bin)
symlinkSync('/usr/bin/sha256sum', join(bin, 'sha256sum'))
// And a PATH whose openssl fails (a FIPS build without SHA-256, a broken install): the fallback too.
const broken = join(dir, 'broken')
mkdirSync(broken)
symlinkSync('/usr/bin/sha256sum', join(broken, 'sha256sum'))
writeFileSync(join(broken, 'openssl'), '#!/bin/sh\necho "dgst: unsupported" >&2\nexit 1\n', { mode: 0o755 })

const sha256Of = (path: string, PATH = process.env.PATH!) =>
  // --norc: a bash whose stdin is a socket (CI's) reads ~/.bashrc otherwise, and says so on stderr.
  spawnSync('/bin/bash', ['--norc', '-c', `. ${join(REPO, 'lib/backup/backup.sh')}; sha256_of "$1"`, '_', path], {
    encoding: 'utf8',
    env: { PATH },
  })

test('with OpenSSL on the PATH: the hex digest alone', () => {
  assert.is(spawnSync('openssl', ['version']).status, 0, 'openssl is on this machine')
  const r = sha256Of(file)
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, `${want}\n`)
})

test('without OpenSSL: coreutils sha256sum, the same digest', () => {
  const r = sha256Of(file, bin)
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, `${want}\n`)
})

test('an OpenSSL that fails: coreutils sha256sum, the same digest, and nothing of OpenSSL printed', () => {
  const r = sha256Of(file, broken)
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, `${want}\n`)
  assert.is(r.stderr, '')
})

test('a file that cannot be read: a failure and no digest, either way', () => {
  for (const PATH of [process.env.PATH!, bin, broken]) {
    const r = sha256Of(join(dir, 'missing'), PATH)
    assert.is.not(r.status, 0)
    assert.is(r.stdout, '')
  }
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
