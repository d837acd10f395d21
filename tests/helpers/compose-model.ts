// `docker compose config --format json` of a rendered core compose file: compose's own validation and model,
// with the secrets a deploy exports on the host set to stand-in values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as assert from 'uvu/assert'
import { run } from './run.ts'

// biome-ignore lint/suspicious/noExplicitAny: compose's JSON model, read field by field by the tests
export function composeModel(text: string): Record<string, any> {
  const dir = mkdtempSync(join(tmpdir(), 'ktrdr-core-'))
  try {
    writeFileSync(join(dir, 'docker-compose.core.yml'), text)
    const env = {
      ...process.env,
      POSTGRES_PASSWORD: 'p',
      DB_PASSWORD: 'p',
      JWT_SECRET: 'j',
      GF_SECURITY_ADMIN_PASSWORD: 'g',
    }
    const r = run('docker', ['compose', '-f', 'docker-compose.core.yml', 'config', '--format', 'json'], {
      cwd: dir,
      env,
    })
    assert.is(r.code, 0, r.stderr)
    return JSON.parse(r.stdout)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
