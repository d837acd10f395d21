import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { logLines, OP_STAMP, run, tempDir, writeJson } from './harness.ts'

const AWKWARD =
  `it's "quoted" $HOME \`whoami\` back\\slash\nsecond line\ttab ` + `ünïcødé 🔐 {{ braces }} op://not/a/ref`

function fixture(state: Record<string, unknown> = {}) {
  const dir = tempDir('op-')
  const vault = writeJson(dir, 'vault.json', {
    desktop_session: true,
    service_account_token: 'ops_test_token',
    rate_limited: false,
    vaults: { infra: { db: { password: AWKWARD, user: 'ktrdr' }, 'jwt secret': { credential: 'j-w-t' } } },
    ...state,
  })
  const log = join(dir, 'calls.jsonl')
  return { dir, log, env: { OP_STANDIN_VAULT: vault, STANDIN_LOG: log } }
}

const op = suite('op stand-in')

op('--version prints a 2.x version', () => {
  const r = run('op', ['--version'])
  assert.is(r.code, 0)
  assert.match(r.stdout, /^2\.\d+\.\d+\n$/)
})

op('read prints the value with a newline, --no-newline and -n without', () => {
  const { env } = fixture()
  assert.is(run('op', ['read', 'op://infra/db/user'], { env }).stdout, 'ktrdr\n')
  assert.is(run('op', ['read', '--no-newline', 'op://infra/db/password'], { env }).stdout, AWKWARD)
  assert.is(run('op', ['read', '-n', 'op://infra/jwt secret/credential'], { env }).stdout, 'j-w-t')
})

op('inject replaces enclosed references byte for byte and leaves the rest alone', () => {
  const { env } = fixture()
  const template = 'A={{ op://infra/db/password }}\nB={{op://infra/db/user}}\nC=$HOME `x` \\n {{ not a ref }}\n'
  const r = run('op', ['inject'], { env, input: template })
  assert.is(r.code, 0, r.stderr)
  const expected = `A=${AWKWARD}\nB=ktrdr\nC=$HOME \`x\` \\n {{ not a ref }}\n`
  assert.ok(r.raw.equals(Buffer.from(expected, 'utf8')))
})

op('inject leaves braces around anything but a valid reference as text, exit 0 (the template-syntax doc)', () => {
  const { env } = fixture()
  // The doc's own bad example, and names with a space, !, ", (, ' or @: not resolvable inside {{ }}.
  const bad = [
    '{{op://h?ack/1Password!/for"real}}',
    '{{ op://infra/jwt secret/credential }}',
    '{{ op://infra/db(1)/user }}',
    "{{ op://infra/o'neil/user }}",
    '{{ op://infra/db@home/user }}',
  ]
  const r = run('op', ['inject'], { env, input: `${bad.join('\n')}\nok={{ op://infra/db/user }}\n` })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, `${bad.join('\n')}\nok=ktrdr\n`)
})

op('inject -i/-o writes the file 0600, prints its path, and needs --force to overwrite', () => {
  const { env, dir } = fixture()
  const input = join(dir, 'in.tpl')
  const output = join(dir, 'out.env')
  writeFileSync(input, 'P={{ op://infra/db/user }}\n')
  const first = run('op', ['inject', '-i', input, '-o', output], { env })
  assert.is(first.code, 0, first.stderr)
  assert.is(first.stdout, output + '\n')
  assert.is(readFileSync(output, 'utf8'), 'P=ktrdr\n')
  assert.is(statSync(output).mode & 0o777, 0o600)
  const again = run('op', ['inject', '-i', input, '-o', output], { env })
  assert.is(again.code, 1)
  assert.is(run('op', ['inject', '-i', input, '-o', output, '--force'], { env }).code, 0)
})

op('inject fails as a whole, printing nothing, naming the reference', () => {
  const { env, dir } = fixture()
  const cases: Array<[string, string]> = [
    [
      'op://infra/nope/password',
      `could not read secret 'op://infra/nope/password': ` +
        `could not get item infra/nope: "nope" isn't an item in the "infra" vault. ` +
        `Specify the item with its UUID, name, or domain.`,
    ],
    [
      'op://prod/db/password',
      `could not read secret 'op://prod/db/password': ` +
        `could not get item prod/db: "prod" isn't a vault in this account. ` +
        `Specify the vault with its ID or name.`,
    ],
    [
      'op://infra/db/nofield',
      `could not read secret 'op://infra/db/nofield': item 'infra/db' does not have a field 'nofield'`,
    ],
  ]
  for (const [ref, message] of cases) {
    const out = join(dir, 'never.env')
    const r = run('op', ['inject', '-o', out], { env, input: `OK={{ op://infra/db/user }}\nBAD={{ ${ref} }}\n` })
    assert.is(r.code, 1)
    assert.is(r.stdout, '')
    assert.not.ok(existsSync(out))
    assert.match(r.stderr, new RegExp(`^${OP_STAMP}`))
    assert.is(r.stderr.replace(new RegExp(OP_STAMP), ''), message + '\n')
  }
})

op("read reports missing items, vaults and fields with op's texts and exit 1", () => {
  const { env } = fixture()
  const r = run('op', ['read', 'op://infra/ghost/password'], { env })
  assert.is(r.code, 1)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /isn't an item in the "infra" vault\. Specify the item with its UUID, name, or domain\.\n$/)
  assert.match(run('op', ['read', 'op://nowhere/db/x'], { env }).stderr, /"nowhere" isn't a vault in this account/)
  assert.match(run('op', ['read', 'op://infra/db/x'], { env }).stderr, /item 'infra\/db' does not have a field 'x'/)
})

op("not signed in: read, inject and whoami fail with op's texts", () => {
  const { env } = fixture({ desktop_session: false })
  const read = run('op', ['read', 'op://infra/db/user'], { env })
  assert.is(read.code, 1)
  assert.match(
    read.stderr,
    new RegExp(
      `^${OP_STAMP}could not read secret 'op://infra/db/user': ` +
        `error initializing client: You are not currently signed in\\. ` +
        `Please run \`op signin --help\` for instructions\\n$`,
    ),
  )
  const inject = run('op', ['inject'], { env, input: '{{ op://infra/db/user }}' })
  assert.is(inject.code, 1)
  assert.is(inject.stdout, '')
  assert.match(inject.stderr, /You are not currently signed in/)
  const who = run('op', ['whoami'], { env })
  assert.is(who.code, 1)
  assert.match(who.stderr, new RegExp(`^${OP_STAMP}account is not signed in\\n$`))
})

op('service account: the right token signs in, a wrong one is refused even with a desktop session', () => {
  const { env } = fixture({ desktop_session: false })
  const who = run('op', ['whoami', '--format', 'json'], { env: { ...env, OP_SERVICE_ACCOUNT_TOKEN: 'ops_test_token' } })
  assert.is(who.code, 0, who.stderr)
  assert.is(JSON.parse(who.stdout).user_type, 'SERVICE_ACCOUNT')
  const desk = fixture()
  const bad = run('op', ['read', 'op://infra/db/user'], { env: { ...desk.env, OP_SERVICE_ACCOUNT_TOKEN: 'ops_wrong' } })
  assert.is(bad.code, 1)
  assert.match(
    bad.stderr,
    new RegExp(
      "could not read secret 'op:\\/\\/infra\\/db\\/user': error initializing client: " +
        'Signin credentials are not compatible with the provided user auth from server\\n$',
    ),
  )
  assert.match(
    run('op', ['whoami'], { env: { ...desk.env, OP_SERVICE_ACCOUNT_TOKEN: 'ops_wrong' } }).stderr,
    /Signin credentials are not compatible/,
  )
})

op('whoami for a desktop session is HUMAN', () => {
  const { env } = fixture()
  const r = run('op', ['whoami', '--format', 'json'], { env })
  assert.is(r.code, 0)
  assert.is(JSON.parse(r.stdout).user_type, 'HUMAN')
  assert.match(run('op', ['whoami'], { env }).stdout, /^URL: +https:\/\/my\.1password\.com\n/)
})

op('rate limiting (file or env) gives the 429 text and exit 1', () => {
  const limited = fixture({ rate_limited: true })
  const rate = new RegExp(
    "\\(429\\) Too Many Requests: You've reached the maximum number of this type of requests " +
      'this service account is allowed to make\\. ' +
      'Please retry in 58 minutes or try other requests\\.\\n$',
  )
  const a = run('op', ['read', 'op://infra/db/user'], { env: limited.env })
  assert.is(a.code, 1)
  assert.match(a.stderr, rate)
  const { env } = fixture()
  const b = run('op', ['inject'], { env: { ...env, OP_STANDIN_RATE_LIMITED: '1' }, input: '{{ op://infra/db/user }}' })
  assert.is(b.code, 1)
  assert.is(b.stdout, '')
  assert.match(b.stderr, rate)
})

op('one log line per invocation, argv only, never stdin or values', () => {
  const { env, log } = fixture()
  run('op', ['--version'], { env })
  run('op', ['read', 'op://infra/db/password'], { env })
  run('op', ['inject'], { env, input: 'SECRET_TEMPLATE_MARKER {{ op://infra/db/password }}' })
  const lines = logLines(log)
  assert.equal(
    lines.map((l) => l.argv),
    [['--version'], ['read', 'op://infra/db/password'], ['inject']],
  )
  assert.ok(lines.every((l) => l.tool === 'op' && !Number.isNaN(Date.parse(l.time))))
  const text = readFileSync(log, 'utf8')
  assert.not.ok(text.includes('SECRET_TEMPLATE_MARKER'))
  assert.not.ok(text.includes('second line'))
})

op.run()
