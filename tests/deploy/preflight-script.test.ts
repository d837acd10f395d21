// The host preflight as it runs on a host (`bash -s`), here against this machine's real docker: one docker
// call answers both "does the daemon answer" and "which of these images does the host hold"; the shared
// path must be a mount (a tmpfs here), not merely a directory.
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Config } from '../../lib/config/model.ts'
import { preflightScript } from '../../lib/deploy/scripts.ts'
import { events } from '../../lib/job/protocol.ts'
import { framed, renderFirstPart } from '../../lib/job/render.ts'
import { tempDir } from '../helpers/tmp.ts'

const shared = tempDir('ktrdr-preflight-')
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'ktrdr-preflight', shared], { encoding: 'utf8' })
if (mounted.status !== 0) throw new Error(`cannot mount the test's shared tmpfs: ${mounted.stderr}`)
process.once('exit', () => spawnSync('umount', [shared]))
const cfg = (hostPath = shared) => ({ stack: { shared: { host_path: hostPath } } }) as unknown as Config
const held = spawnSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
  .stdout.split('\n')
  .find((l) => l && !l.includes('<none>'))
const MISSING = 'ktrdr.invalid/nothing-here:never'
const preflight = (images: string[], env: Record<string, string> = {}, c = cfg()) => {
  const r = spawnSync('/bin/bash', ['-s'], {
    input: framed(renderFirstPart(preflightScript(c, { composePath: '/nonexistent/x.yml', composeImages: images }))),
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

test('no docker on the PATH, no shared mount, or an empty directory where the mount should be: each named', () => {
  const noDocker = preflight([held!], { PATH: '/nonexistent' })
  assert.is(noDocker.code, 1)
  assert.equal(noDocker.events, [{ event: 'missing', detail: 'docker is not installed on this host' }])
  const noMount = preflight([held!], {}, cfg('/nonexistent/ktrdr-shared'))
  assert.is(noMount.code, 1)
  assert.equal(noMount.events.at(-1), {
    event: 'missing',
    detail:
      'the shared mount /nonexistent/ktrdr-shared is not present on this host ' +
      '(design §6.5: mount the NFS export there), then run this again',
  })
  const empty = tempDir('ktrdr-preflight-empty-')
  const unmounted = preflight([held!], {}, cfg(empty))
  assert.is(unmounted.code, 1)
  assert.equal(unmounted.events.at(-1), {
    event: 'missing',
    detail:
      `the shared mount ${empty} is not mounted on this host: the directory is there but is no mount ` +
      `(did the NFS mount fail?); mount the export there ` +
      `(docs/runbook.md, "The shared mount is empty"), then run this again`,
  })
})

test.run()
