// framed (lib/job/render.ts): how every executor sends a part to `bash -s`. A part is read whole by its byte
// count — multibyte text under a UTF-8 locale included — and what follows it stays on stdin for the shell; a part
// cut short never runs; the stdin watcher's fd 3 is the session's stdin.
import { spawn, spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { framed, renderFirstPart, renderScript } from '../../lib/job/render.ts'

const utf8 = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }

test('two parts in one shell, multibyte text in both; what follows a part is left for the shell to read', () => {
  const first = renderFirstPart({ body: ["ktrdr_event step 'é—ü ×'"] })
  const second = renderScript({ body: ["echo 'ø—2'"] })
  const input = `${framed(first)}echo 'a line — between'\n${framed(second)}`
  const r = spawnSync('bash', ['-s'], { input, encoding: 'utf8', env: utf8 })
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, '::ktrdr step é—ü ×\na line — between\nø—2\n')
})

test('a part cut short (the connection lost) runs nothing of it', () => {
  const part = framed(renderScript({ body: ['echo ran'] }))
  const r = spawnSync('bash', ['-s'], { input: part.slice(0, -20), encoding: 'utf8', env: utf8 })
  assert.is.not(r.status, 0)
  assert.is(r.stdout, '')
})

// A hundred times: a TERM that lands while the shell forks `sleep` can be lost in the child before its exec (one
// run in tens here), and the part then waits the sleep out unless the watcher TERMs again (1.6 s in all).
test("the watcher: the session's stdin closing stops the part, its cleanups run, exit 130 (100 runs)", async () => {
  for (let run = 0; run < 100; run++) {
    const p = spawn('setsid', ['bash', '-s'], { stdio: ['pipe', 'pipe', 'ignore'], env: utf8 })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    const body = ['on_exit "echo cleaned"', 'ktrdr_event step waiting', 'sleep 20']
    p.stdin.write(framed(renderScript({ body, watchStdin: true })))
    const started = await new Promise<boolean>((ok) => {
      setTimeout(() => ok(false), 5000)
      p.stdout.on('data', () => out.includes('waiting') && ok(true))
    })
    if (!started) p.kill('SIGKILL')
    assert.ok(started, `the part started: ${out}`)
    const t0 = Date.now()
    p.stdin.end()
    const code = await new Promise((done) => p.on('close', done))
    assert.is(code, 130)
    assert.is(out, '::ktrdr step waiting\ncleaned\n')
    assert.ok(Date.now() - t0 < 5000, `run ${run}: stopped when stdin closed, not after the sleep`)
  }
})

// A signal that lands inside `IFS=, read` (here: the watcher's TERM while the shell waits on a command's output,
// one that outlives the TERM) runs the traps with that IFS still in effect; the cleanups get bash's default back
// (without it: "joined: x,y : split:2").
test('the cleanups after a TERM inside `IFS=, read` join and split words with the default IFS', async () => {
  const p = spawn('setsid', ['bash', '-s'], { stdio: ['pipe', 'pipe', 'ignore'], env: utf8 })
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  const body = [
    'a=(x y)',
    `on_exit 'w=" \${a[*]} "; set -- $w; echo "joined:$w: split:$#"'`,
    'ktrdr_event step waiting',
    "while IFS=, read -r line; do :; done < <(trap '' TERM; sleep 2)",
  ]
  p.stdin.write(framed(renderScript({ body, watchStdin: true })))
  await new Promise<void>((ok) => p.stdout.on('data', () => out.includes('waiting') && ok()))
  await new Promise((r) => setTimeout(r, 200))
  p.stdin.end()
  assert.is(await new Promise((done) => p.on('close', done)), 130)
  assert.is(out, '::ktrdr step waiting\njoined: x y : split:2\n')
})

test.run()
