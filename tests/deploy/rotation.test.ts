// Rotation (design §3.3: update 1Password → deploy again), on the lab through the make targets: every secret of
// the vault stand-in but the registry's (the registry has its own) gets a new, hostile value; deploy-core
// SERVICE=all applies the new DB_PASSWORD to the role before the backend is recreated with it, and says so;
// deploy-workers NODE=all; everything healthy on the new values; then back to the lab's own values the same way.
// Then the registry's password, rotated at the registry (the lab's token service) and in the vault.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  backendHealthy,
  ensureAppImages,
  GOOD_TAG,
  HOSTS,
  hostDocker,
  LAB_DIR,
  labSecrets,
  pushVariant,
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'
import { REPO } from '../helpers/config-copy.ts'
import { tempDir } from '../helpers/tmp.ts'

type Vault = { vaults: Record<string, Record<string, Record<string, string>>> }
const original = readFileSync(join(LAB_DIR, 'op/vault.json'), 'utf8')
const rotatedPath = join(tempDir('ktrdr-rotated-'), 'vault.json')
const rotated = JSON.parse(original) as Vault
let n = 0
for (const [item, fields] of Object.entries(rotated.vaults['ktrdr-lab']!))
  if (item !== 'registry')
    for (const k of Object.keys(fields))
      fields[k] = `rot'${++n} "q" \\ $HOME \`x\` ${Math.random().toString(36).slice(2)}`
writeFileSync(rotatedPath, JSON.stringify(rotated))
const newValues = Object.values(rotated.vaults['ktrdr-lab']!)
  .flatMap((f) => Object.entries(f))
  .filter(([k]) => k !== 'username')
  .map(([, v]) => v)
  .filter((v) => !labSecrets().includes(v))

const { run, output } = recordingMake()
const ok = (r: { code: number; stdout: string; stderr: string }) => assert.is(r.code, 0, r.stdout + r.stderr)
/** The backend container's DB_PASSWORD is `want` (compared here, never printed). */
const backendHas = (want: string) => {
  const ids = hostDocker(HOSTS.core, 'ps', '-q', '--filter', 'label=com.docker.compose.service=backend').stdout.trim()
  const env = hostDocker(HOSTS.core, 'inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', ids).stdout
  return env.split('\n').includes(`DB_PASSWORD=${want}`)
}

test.before(() => {
  ensureAppImages()
  ok(run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }))
})

test('every secret rotated: the core applies DB_PASSWORD to the role first; all healthy on new values', async () => {
  assert.ok(newValues.length >= 3, 'the rotated vault has new values')
  const env = { OP_STANDIN_VAULT: rotatedPath }
  const core = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }, env)
  ok(core)
  assert.match(
    core.stdout + core.stderr,
    'core: DB_PASSWORD changed: applied to the database role ktrdr before the backend was recreated',
  )
  await backendHealthy()
  assert.ok(backendHas(rotated.vaults['ktrdr-lab']!.postgres!.password!), 'the backend runs with the new password')
  ok(run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG }, env))
  const status = run('status', {}, env)
  assert.is(status.code, 0, status.stdout)
  // A second deploy on the same values: nothing to rotate, nothing said.
  const again = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG }, env)
  ok(again)
  assert.not.match(again.stdout + again.stderr, 'DB_PASSWORD changed')
})

test("back to the lab's own values the same way", async () => {
  const core = run('deploy-core', { SERVICE: 'all', TAG: GOOD_TAG })
  ok(core)
  assert.match(core.stdout + core.stderr, 'DB_PASSWORD changed: applied to the database role')
  await backendHealthy()
  assert.ok(backendHas(JSON.parse(original).vaults['ktrdr-lab'].postgres.password))
  ok(run('deploy-workers', { NODE: 'all', TAG: GOOD_TAG }))
})

// The registry's password is the registry's own (GHCR's token, here the lab's token service): rotated there
// first, then in the vault, and a deploy that must pull logs in with the new one; the vault's stale value is
// refused before anything changes.
const registryPw = `reg'rot "q" \\ $HOME \`x\` ${Math.random().toString(36).slice(2)}`
test('the registry password rotated at the registry, then in the vault: C logs in with it and pulls', () => {
  const tag = 'sha-e2e0f01' // on no host yet: the deploy must log in and pull
  pushVariant('ktrdr-worker', tag)
  const users = join(LAB_DIR, 'token/users')
  const before = readFileSync(users, 'utf8')
  const hash = spawnSync('node', [join(REPO, 'lab/token-service.mjs'), 'hash'], { input: registryPw, encoding: 'utf8' })
  assert.is(hash.status, 0, hash.stderr)
  const vault = JSON.parse(original) as Vault
  vault.vaults['ktrdr-lab']!.registry!.password = registryPw
  const vaultPath = join(tempDir('ktrdr-rotated-'), 'vault.json')
  writeFileSync(vaultPath, JSON.stringify(vault))
  writeFileSync(users, `ktrdr-ci:${hash.stdout.trim()}\n`)
  try {
    const stale = run('deploy-workers', { NODE: 'C', TAG: tag })
    assert.is.not(stale.code, 0)
    assert.match(stale.stdout + stale.stderr, "refused ktrdr-ci's credentials (HTTP 401)", stale.stdout + stale.stderr)
    const r = run('deploy-workers', { NODE: 'C', TAG: tag }, { OP_STANDIN_VAULT: vaultPath })
    ok(r)
    assert.match(r.stdout, `node C   ok (tag ${tag}; worker-1, worker-2; logged in and pulled)`)
  } finally {
    writeFileSync(users, before)
  }
  ok(run('deploy-workers', { NODE: 'C', TAG: GOOD_TAG }))
})

test('no rotated secret value in any output', () => {
  assert.equal(leaksIn(output.join('\n'), [...newValues, registryPw, ...labSecrets()]), [])
})

test.run()
