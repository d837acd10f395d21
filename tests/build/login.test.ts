// The workstation's registry login for a push (lib/build/login.ts), against the lab's registry: docker login
// checks the password, no file of the throwaway DOCKER_CONFIG ever holds it, a push works with the job's
// environment only, and the directory is gone afterwards.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { openSession } from '../../lib/build/login.ts'
import { OpsError } from '../../lib/errors.ts'
import { Secret } from '../../lib/secrets/secret.ts'
import { REGISTRY_HOST as REGISTRY, registryPassword } from '../helpers/lab.ts'

const PASSWORD = registryPassword()
const REF = `${REGISTRY}/ktrdr/login-test:t${process.pid}`
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]))

test('login, then a push through the job helper; no file holds the password; the directory is removed', () => {
  assert.is(spawnSync('docker', ['tag', 'ktrdr-lab/python:3.13', REF]).status, 0)
  return openSession(`${REGISTRY}`, 'ktrdr-ci', new Secret('REGISTRY_PASSWORD', PASSWORD)).then((s) => {
    try {
      const all = files(s.dir)
      assert.ok(
        all.some((f) => f.endsWith('config.json')),
        all.join(' '),
      )
      for (const f of all) assert.not.ok(readFileSync(f, 'latin1').includes(PASSWORD), `${f} holds the password`)
      const push = spawnSync('docker', ['push', REF], { env: s.env, encoding: 'utf8' })
      assert.is(push.status, 0, push.stderr)
      for (const f of files(s.dir))
        assert.not.ok(readFileSync(f, 'latin1').includes(PASSWORD), `${f} holds the password after the push`)
      // The same DOCKER_CONFIG without the job's environment has no credentials: the helper answers from env only.
      const bare = spawnSync('docker', ['push', REF], {
        env: { ...process.env, DOCKER_CONFIG: s.dir, PATH: s.env.PATH },
        encoding: 'utf8',
      })
      assert.is.not(bare.status, 0, 'a push without the job env must not find credentials')
    } finally {
      s.close()
    }
    assert.not.ok(existsSync(s.dir))
    spawnSync('docker', ['rmi', REF], { stdio: 'ignore' })
  })
})

test('a wrong password: docker login is refused, named, and nothing is left behind', async () => {
  const before = readdirSync('/dev/shm').filter((f) => f.startsWith('ktrdr-docker-'))
  const e = await openSession(REGISTRY, 'ktrdr-ci', new Secret('REGISTRY_PASSWORD', `${PASSWORD}-wrong`)).then(
    () => undefined,
    (x: unknown) => x,
  )
  assert.instance(e, OpsError)
  assert.match((e as OpsError).message, /docker login to registry\.internal as ktrdr-ci failed/)
  assert.equal(
    readdirSync('/dev/shm').filter((f) => f.startsWith('ktrdr-docker-')),
    before,
  )
})

test.run()
