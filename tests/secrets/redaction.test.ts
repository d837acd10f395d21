// Every line printed passes the redactor: task output, zx errors (command, stdout, stderr), verbose mode,
// stack traces, and the final error. The fixture echoes the secret every way it can.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { $, quote as zxQuote } from 'zx'
import { describeError } from '../../lib/cli/main.ts'
import { OpsError } from '../../lib/errors.ts'
import { quote } from '../../lib/shell-quote.ts'
import { MASK, redact, registerSecret } from '../../lib/redactor.ts'
import { run } from '../helpers/run.ts'

const VALUE = 'Sup3r$ecret-"q"-ü\nsecond-line-of-secret'

for (const [name, args] of [
  ['failing zx command echoing the secret on stdout and stderr', ['--mode', 'zx']],
  ['same, in --verbose mode (commands and stack traces shown)', ['--mode', 'zx', '--verbose']],
  ['an Error whose message and stack carry the secret', ['--mode', 'throw', '--verbose']],
] as const)
  test(name, () => {
    const r = run('npx', ['tsx', 'tests/fixtures/leaky-command.ts', ...args], { env: { LEAKY_VALUE: VALUE, CI: '1' } })
    const out = r.stdout + r.stderr
    assert.is.not(r.code, 0, 'the fixture must fail')
    assert.ok(out.includes(MASK), `expected the mask in:\n${out}`)
    for (const part of ['Sup3r$ecret', 'second-line-of-secret', 'Sup3r\\$ecret'])
      assert.not.ok(out.includes(part), `leaked ${part}:\n${out}`)
  })

test('String(), JSON and inspect of a Secret show the mask or its name only', () => {
  const r = run('npx', ['tsx', 'tests/fixtures/leaky-command.ts', '--mode', 'throw'], { env: { LEAKY_VALUE: VALUE } })
  assert.match(r.stdout, `secret object prints as ${MASK} / {"secret":"${MASK}"}`)
})

test('a URL-encoded value is masked; an OpsError is masked when it is made (before any renderer wraps it)', () => {
  const v = 'p@ss w/rd&x=1'
  registerSecret(v)
  assert.is(
    redact(`GET https://registry.example/token?pw=${encodeURIComponent(v)}`),
    `GET https://registry.example/token?pw=${MASK}`,
  )
  const e = new OpsError(`login failed: ${v}`, { hint: `the value was ${v}` })
  assert.is(e.message, `login failed: ${MASK}`)
  assert.is(e.hint, `the value was ${MASK}`)
})

test("the redactor's shell form is zx's quote, byte for byte, for every awkward value", () => {
  const values = ['', 'plain', "it's", 'a\\b', 'x\fy\nz\r\t\v\0end', '$(id)`id`"q"', 'ü-€-😀', ' lead', '-', '@:=/.']
  for (let c = 0; c < 256; c++) values.push(`a${String.fromCharCode(c)}b`)
  for (const v of values) assert.is(quote(v), zxQuote(v), JSON.stringify(v))
})

test('a failed zx command is described by its exit code and the end of its stderr', async () => {
  const e = await $({ quiet: true })`bash -c 'echo one >&2; echo two >&2; exit 3'`.catch((x) => x)
  assert.is(describeError(e, false), 'error: command failed with exit code 3:\none\ntwo')
  assert.is(describeError(new Error('plain'), false), 'error: plain\n(run with --verbose for the stack trace)')
})

test.run()
