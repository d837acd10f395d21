// Rotation (design §3.3: update 1Password → deploy again), on the lab through the make targets: every secret of
// the vault stand-in but the registry's (the registry has its own) gets a new, hostile value; deploy-core
// SERVICE=all applies the new DB_PASSWORD to the role before the backend is recreated with it, and says so;
// deploy-workers NODE=all; everything healthy on the new values; then back to the lab's own values the same way.
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
  recordingMake,
} from '../helpers/lab.ts'
import { leaksIn } from '../helpers/leaks.ts'
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

test('no rotated secret value in any output', () => {
  assert.equal(leaksIn(output.join('\n'), [...newValues, ...labSecrets()]), [])
})

test.run()
