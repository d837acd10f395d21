// The host preflight as it runs on a host (`bash -s`), here against this machine's real docker: one docker
// call answers both "does the daemon answer" and "which of these images does the host hold".
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Config } from '../../lib/config/model.ts'
import { events, preflightScript } from '../../lib/deploy/scripts.ts'
import { renderFirstPart } from '../../lib/remote/script.ts'
import { tempDir } from '../helpers/tmp.ts'

const shared = tempDir('ktrdr-preflight-')
const cfg = (hostPath = shared) => ({ stack: { shared: { host_path: hostPath } } }) as unknown as Config
const held = spawnSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
  .stdout.split('\n')
  .find((l) => l && !l.includes('<none>'))
const MISSING = 'ktrdr.invalid/nothing-here:never'
const preflight = (images: string[], env: Record<string, string> = {}, c = cfg()) => {
  const r = spawnSync('/bin/bash', ['-s'], {
    input: renderFirstPart(preflightScript(c, images).body),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  return { code: r.status, events: events(r.stdout), stdout: r.stdout, stderr: r.stderr }
}

test('an image the host holds is listed, one it lacks is not, and the daemon counts as answering', () => {
  assert.ok(held, 'this machine holds at least one tagged image (the lab images)')
  const r = preflight([held!, MISSING])
  assert.is(r.code, 0, r.stdout + r.stderr)
  const images = r.events.filter((e) => e.event === 'image').map((e) => e.detail)
  assert.is(images.length, 1, r.stdout)
  assert.ok(images[0]!.split('|')[0]!.trim().split(/\s+/).includes(held!), images[0])
  assert.equal(r.events.at(-1), { event: 'preflight', detail: 'ok' })
})

test('none of the images on the host: still a daemon that answers', () => {
  const r = preflight([MISSING])
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.is(r.events.filter((e) => e.event === 'image').length, 0)
  assert.equal(r.events.at(-1), { event: 'preflight', detail: 'ok' })
})

test('no daemon behind the socket: the daemon is named, not a missing image', () => {
  for (const images of [[held!, MISSING], []]) {
    const r = preflight(images, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    assert.is(r.code, 1, r.stdout)
    assert.equal(r.events, [
      { event: 'missing', detail: 'the docker daemon is not running (or this user may not use it)' },
    ])
  }
})

test('no docker on the PATH, or no shared mount: each named', () => {
  const noDocker = preflight([held!], { PATH: '/nonexistent' })
  assert.is(noDocker.code, 1)
  assert.equal(noDocker.events, [{ event: 'missing', detail: 'docker is not installed on this host' }])
  const noMount = preflight([held!], {}, cfg('/nonexistent/ktrdr-shared'))
  assert.is(noMount.code, 1)
  assert.equal(noMount.events.at(-1), {
    event: 'missing',
    detail: 'the shared mount /nonexistent/ktrdr-shared is not present (design §6.5: mount the NFS export there)',
  })
})

test.run()
