// lab/config is infra/homelab with only what the lab must change. Both config sets are read key by key (YAML
// parsed, every leaf by its path) and every difference must fall under one of the reasons below; anything
// else — a port, a replica count, a path, a backup setting that drifted — fails with its key and both values.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { HOMELAB, REPO } from '../helpers/config-copy.ts'

const LAB = join(REPO, 'lab/config')

/** The differences the lab must have, each with its reason (lab/config/stack-config.yml says the same). */
const ALLOWED: [RegExp, string][] = [
  [/^stack\.hosts\.[a-z0-9-]+\.address$/, "addresses: the lab's hosts live on 198.18.50.0/24"],
  [/^stack\.shared\.nfs_clients$/, "the hosts' subnet: the lab's is 198.18.50.0/24"],
  [/^stack\.healthcheck\.interval$/, 'health every 3 s, not 15: the lab tests wait on every deploy'],
  [/^stack\.registry\.url$/, "the registry: the lab's TLS registry with token auth stands in for GHCR"],
  [
    /^stack\.core\.services\.(db|prometheus)\.image$/,
    'the pinned images: built from Debian trixie, in the lab registry',
  ],
  [/^stack\.ssh\.config_file$/, "ssh: the lab's own client config and known_hosts"],
  [
    /^stack\.core\.services\.(grafana|jaeger|nfs-server)\.(image|disabled|env)$/,
    'services the lab cannot run: grafana and jaeger are not in Debian; this kernel has no NFS client',
  ],
  [/^secrets\.(secrets|dev_secrets)\.[A-Z][A-Z0-9_]*$/, "secret references: the lab's stand-in vault"],
]

type Leaves = Map<string, unknown>

function leaves(value: unknown, path: string, out: Leaves): Leaves {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out)
  else if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object'))
    for (const [i, v] of value.entries()) leaves(v, `${path}[${i}]`, out)
  else out.set(path, value)
  return out
}

function configSet(dir: string): Leaves {
  const out: Leaves = new Map()
  for (const [key, file] of [
    ['stack', 'stack-config.yml'],
    ['workers', 'worker-nodes.yml'],
    ['secrets', 'secrets.yml'],
  ] as const)
    leaves(parse(readFileSync(join(dir, file), 'utf8')), key, out)
  return out
}

/** Every key whose value differs (or that one side lacks) and that no reason covers. */
function unexplained(homelab: Leaves, lab: Leaves): string[] {
  const keys = [...new Set([...homelab.keys(), ...lab.keys()])].sort()
  return keys
    .filter((k) => JSON.stringify(homelab.get(k)) !== JSON.stringify(lab.get(k)))
    .filter((k) => !ALLOWED.some(([re]) => re.test(k)))
    .map((k) => `${k}: homelab ${JSON.stringify(homelab.get(k))}, lab ${JSON.stringify(lab.get(k))}`)
}

test('lab/config differs from infra/homelab only where the lab must', () => {
  assert.equal(unexplained(configSet(HOMELAB), configSet(LAB)), [])
})

test('the comparison sees a drift: a port, a replica count, a path, a new key', () => {
  const lab = configSet(LAB)
  const drift = new Map(lab)
  drift.set('workers.worker_nodes[0].port', 19000)
  drift.set('workers.worker_nodes[1].replicas', 1)
  drift.set('stack.shared.host_path', '/var/lib/ktrdr-lab/shared')
  drift.set('stack.network.mode', 'host')
  drift.delete('stack.backups.keep_days')
  assert.equal(unexplained(configSet(HOMELAB), drift), [
    'stack.backups.keep_days: homelab 30, lab undefined',
    'stack.network.mode: homelab "bridge", lab "host"',
    'stack.shared.host_path: homelab "/mnt/ktrdr-shared", lab "/var/lib/ktrdr-lab/shared"',
    'workers.worker_nodes[0].port: homelab 9000, lab 19000',
    'workers.worker_nodes[1].replicas: homelab 2, lab 1',
  ])
})

test('every service the lab leaves out says why', () => {
  const lab = configSet(LAB)
  for (const s of ['grafana', 'jaeger', 'nfs-server'])
    assert.ok(String(lab.get(`stack.core.services.${s}.disabled`) ?? '').length > 10, `${s} has no reason`)
})

test.run()
