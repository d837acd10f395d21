import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { logLines, run, tempDir, writeJson } from './harness.ts'

const VALUE = `p@ss "word" $x \`y\` \\ ü`

function fixture(loggedIn = true) {
  const dir = tempDir('az-')
  const state = writeJson(dir, 'kv.json', { logged_in: loggedIn, vaults: { 'ktrdr-kv': { 'db-password': VALUE } } })
  const log = join(dir, 'calls.jsonl')
  return { log, env: { AZ_STANDIN_VAULT: state, STANDIN_LOG: log } }
}

const az = suite('az stand-in')

az('keyvault secret show prints the secret bundle as sorted JSON', () => {
  const { env } = fixture()
  const r = run('az', ['keyvault', 'secret', 'show', '--vault-name', 'ktrdr-kv', '--name', 'db-password'], { env })
  assert.is(r.code, 0, r.stderr)
  const body = JSON.parse(r.stdout)
  assert.equal(Object.keys(body), ['attributes', 'contentType', 'id', 'kid', 'managed', 'name', 'tags', 'value'])
  assert.is(body.value, VALUE)
  assert.is(body.attributes.enabled, true)
  assert.match(body.id, /^https:\/\/ktrdr-kv\.vault\.azure\.net\/secrets\/db-password\/[0-9a-f]{32}$/)
  assert.ok(r.stdout.startsWith('{\n  "attributes": {\n'))
})

az('--query value -o tsv prints the raw value; -o json a JSON string; --id works too', () => {
  const { env } = fixture()
  const tsv = run(
    'az',
    [
      'keyvault',
      'secret',
      'show',
      '--vault-name',
      'ktrdr-kv',
      '--name',
      'db-password',
      '--query',
      'value',
      '-o',
      'tsv',
    ],
    { env },
  )
  assert.is(tsv.stdout, VALUE + '\n')
  const json = run(
    'az',
    ['keyvault', 'secret', 'show', '--id', 'https://ktrdr-kv.vault.azure.net/secrets/db-password', '--query', 'value'],
    { env },
  )
  assert.is(JSON.parse(json.stdout), VALUE)
})

az('a missing secret is SecretNotFound with exit 3', () => {
  const { env } = fixture()
  const r = run('az', ['keyvault', 'secret', 'show', '--vault-name', 'ktrdr-kv', '--name', 'nope'], { env })
  assert.is(r.code, 3)
  assert.is(r.stdout, '')
  assert.match(
    r.stderr,
    /^ERROR: \(SecretNotFound\) A secret with \(name\/id\) nope was not found in this key vault\. /,
  )
  assert.match(r.stderr, /\nCode: SecretNotFound\nMessage: A secret with \(name\/id\) nope was not found/)
})

az('an unknown vault fails name resolution with exit 1', () => {
  const { env } = fixture()
  const r = run('az', ['keyvault', 'secret', 'show', '--vault-name', 'no-such-kv', '--name', 'x'], { env })
  assert.is(r.code, 1)
  assert.match(
    r.stderr,
    new RegExp(
      '^ERROR: <urllib3\\.connection\\.HTTPSConnection object at 0x[0-9a-f]+>: ' +
        "Failed to resolve 'no-such-kv\\.vault\\.azure\\.net' \\(\\[Errno -2\\] Name or service not known\\)\\n$",
    ),
  )
})

az('not logged in: account show and secret show ask for az login, exit 1', () => {
  const { env } = fixture(false)
  for (const args of [
    ['account', 'show'],
    ['keyvault', 'secret', 'show', '--vault-name', 'ktrdr-kv', '--name', 'db-password'],
  ]) {
    const r = run('az', args, { env })
    assert.is(r.code, 1)
    assert.is(r.stderr, "ERROR: Please run 'az login' to setup account.\n")
  }
  assert.is(JSON.parse(run('az', ['account', 'show'], { env: fixture().env }).stdout).state, 'Enabled')
})

az('version and --version, one log line each', () => {
  const { env, log } = fixture()
  assert.match(JSON.parse(run('az', ['version'], { env }).stdout)['azure-cli'], /^2\.\d+\.\d+$/)
  assert.match(run('az', ['--version'], { env }).stdout, /^azure-cli +2\.\d+\.\d+\n/)
  assert.equal(
    logLines(log).map((l) => l.argv),
    [['version'], ['--version']],
  )
})

az.run()
