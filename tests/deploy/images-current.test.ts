// When may a deploy skip the registry login and the pull? Only when the host's preflight shows every image
// of the compose file present and each of ours at the digest the registry gives its tag now.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { HostDeploy } from '../../lib/deploy/plan.ts'
import type { Config } from '../../lib/config/model.ts'
import { heldImages, pinCompose, pinsCurrent, recordedPins, resolvePins } from '../../lib/deploy/pin.ts'
import { deployEnv } from '../../lib/deploy/scripts.ts'
import { Secret } from '../../lib/secrets/secret.ts'

const WORKER = 'ghcr.io/acme/ktrdr-worker:sha-abc1234'
const PINNED = 'timescale/timescaledb:2.19.3-pg17'
const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const host = { images: [WORKER], composeImages: [WORKER, PINNED] } as unknown as HostDeploy
const line = (tags: string[], digests: string[]) =>
  `::ktrdr image ${tags.map((t) => ` ${t}`).join('')} |${digests.map((d) => ` ${d}`).join('')}`
const preflight = (...lines: string[]) => ['some noise', ...lines, '::ktrdr preflight ok'].join('\n')
const registry = (digest: string) => new Map([[WORKER, digest]])
/** What run.ts decides from a preflight: the pins, then whether a pull would fetch nothing. */
const imagesCurrent = (d: HostDeploy, out: string, digests: Map<string, string>) => {
  const held = heldImages(out)
  return pinsCurrent(d, held, resolvePins(d, held, digests, recordedPins(out)))
}

const cases: [string, string, Map<string, string>, boolean][] = [
  [
    'every image present, ours at the registry digest',
    preflight(
      line([WORKER, 'ghcr.io/acme/ktrdr-worker:local'], [`ghcr.io/acme/ktrdr-worker@${D1}`]),
      line([PINNED], [`timescale/timescaledb@${D2}`]),
    ),
    registry(D1),
    true,
  ],
  [
    'ours at an older digest (the tag was pushed again)',
    preflight(line([WORKER], [`ghcr.io/acme/ktrdr-worker@${D2}`]), line([PINNED], [])),
    registry(D1),
    false,
  ],
  [
    'ours built here, never pulled or pushed (no repo digest)',
    preflight(line([WORKER], []), line([PINNED], [])),
    registry(D1),
    false,
  ],
  [
    'a pinned third-party image missing',
    preflight(line([WORKER], [`ghcr.io/acme/ktrdr-worker@${D1}`])),
    registry(D1),
    false,
  ],
  ['ours missing', preflight(line([PINNED], [])), registry(D1), false],
  [
    'the registry gave no digest',
    preflight(line([WORKER], [`ghcr.io/acme/ktrdr-worker@${D1}`]), line([PINNED], [])),
    registry(''),
    false,
  ],
  [
    'the digest is held under another repository',
    preflight(line([WORKER], [`ghcr.io/other/ktrdr-worker@${D1}`]), line([PINNED], [])),
    registry(D1),
    false,
  ],
]

for (const [name, out, digests, want] of cases)
  test(name, () => {
    assert.is(imagesCurrent(host, out, digests), want)
  })

test('a host with no image of ours (core SERVICE=db): current when the pinned images are present', () => {
  const db = { images: [], composeImages: [PINNED] } as unknown as HostDeploy
  assert.is(imagesCurrent(db, preflight(line([PINNED], [`timescale/timescaledb@${D2}`])), new Map()), true)
  assert.is(imagesCurrent(db, preflight(), new Map()), false)
})

test("a third-party image: the record's pin wins over what the host holds under its tag (until config moves)", () => {
  const out = preflight(
    `::ktrdr pin ${PINNED} timescale/timescaledb@${D1}`,
    `::ktrdr pin other/image:1 other/image@${D2}`,
    line([PINNED], [`timescale/timescaledb@${D2}`]),
  )
  const pins = resolvePins(host, heldImages(out), registry(D1), recordedPins(out))
  assert.is(pins.get(PINNED), `timescale/timescaledb@${D1}`)
  assert.is(pins.get(WORKER), `ghcr.io/acme/ktrdr-worker@${D1}`)
  assert.is(pinsCurrent(host, heldImages(out), pins), false, 'the recorded digest is not on the host')
  // A first deploy: nothing recorded or held; the registry's answer (lookedUp) pins it; none leaves the tag.
  const fresh = resolvePins(host, [], registry(D1), new Map(), new Map([[PINNED, D2]]))
  assert.is(fresh.get(PINNED), `timescale/timescaledb@${D2}`)
  assert.not.ok(resolvePins(host, [], registry(D1)).has(PINNED))
})

test('pinning rewrites only the image lines it has a pin for, byte for byte otherwise', () => {
  const compose =
    `# ktrdr-tag: sha-abc1234\nservices:\n  w:\n    image: ${WORKER}\n    environment:\n      - X=${WORKER}\n` +
    `  db:\n    image: ${PINNED}\n`
  const pinned = pinCompose(compose, new Map([[WORKER, `ghcr.io/acme/ktrdr-worker@${D1}`]]))
  assert.is(pinned, compose.replace(`image: ${WORKER}`, `image: ghcr.io/acme/ktrdr-worker@${D1}`))
})

test('images current (no login): the registry credentials do not travel to the host at all', () => {
  const d = {
    secretExports: { BROKER_API_KEY: 'BROKER_API_KEY', REGISTRY_PASSWORD: 'REGISTRY_PASSWORD' },
  } as unknown as HostDeploy
  const secrets = new Map([
    ['BROKER_API_KEY', new Secret('BROKER_API_KEY', 'b-value')],
    ['REGISTRY_PASSWORD', new Secret('REGISTRY_PASSWORD', 'r-value')],
  ])
  const cfg = { stack: { registry: { username: 'ktrdr-ci' } } } as unknown as Config
  assert.equal(Object.keys(deployEnv(cfg, d, secrets, true)), ['BROKER_API_KEY'])
  assert.equal(Object.keys(deployEnv(cfg, d, secrets, false)).sort(), [
    'BROKER_API_KEY',
    'REGISTRY_PASSWORD',
    'REGISTRY_USERNAME',
  ])
})

test.run()
