// A table of broken config documents → the exact `file:line:col path: message (fix: …)` lines they produce.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/config/load.ts'
import { ConfigError, formatIssue } from '../../lib/errors.ts'
import { configCopy, type Edit } from '../helpers/config-copy.ts'

const W = 'worker-nodes.yml'
const S = 'stack-config.yml'
const X = 'secrets.yml'

const cases: { name: string; edits: Edit[]; expect: string[] }[] = [
  {
    name: 'missing host',
    edits: [{ file: W, from: '    host: ktrdr-workers-c\n', to: '' }],
    expect: ['W:10:5 worker_nodes[1].host: required'],
  },
  {
    name: 'duplicate node names',
    edits: [{ file: W, from: '- name: C', to: '- name: b' }],
    expect: [
      'W:10:11 worker_nodes[1].name: duplicate node name "b" (also worker_nodes[0]) (fix: node names must be unique)',
    ],
  },
  {
    name: 'two nodes on one host sharing ports',
    edits: [{ file: W, from: 'host: ktrdr-workers-c', to: 'host: ktrdr-workers-b' }],
    expect: [
      'W:14:11 worker_nodes[1].port: node C (ports 9000–9001) and node B (ports 9000–9002) ' +
        'share a port on host ktrdr-workers-b (fix: move node C to port 9003 or later)',
    ],
  },
  {
    name: 'relative compose path',
    edits: [{ file: W, from: 'compose_path: /opt/ktrdr-workers-b', to: 'compose_path: opt/ktrdr-workers-b' }],
    expect: ['W:7:19 worker_nodes[0].compose_path: must be an absolute path (starting with /)'],
  },
  {
    name: 'unknown field (typo)',
    edits: [{ file: W, from: '    replicas: 2', to: '    replica: 2' }],
    expect: [
      'W:13:5 worker_nodes[1].replica: unknown field "replica": did you mean "replicas"? ' +
        '(fix: the fields here are name, host, compose_path, replicas, port, address, ssh, drain_timeout, ' +
        'max_unavailable, stop_grace_period)',
    ],
  },
  {
    name: 'wrong type',
    edits: [{ file: W, from: 'replicas: 3', to: 'replicas: three' }],
    expect: ['W:8:15 worker_nodes[0].replicas: expected number, found string'],
  },
  {
    name: 'node host without an address',
    edits: [
      {
        file: W,
        from: /$/,
        to:
          '  - name: D\n    host: ktrdr-workers-d\n' +
          '    compose_path: /opt/ktrdr-workers-d/docker-compose.workers.yml\n',
      },
    ],
    expect: [
      'W:16:11 worker_nodes[2].host: host ktrdr-workers-d has no static address ' +
        '(fix: add "address: <ip>" to this entry, ' +
        'or ktrdr-workers-d: { address: <ip> } under hosts: in S)',
    ],
  },
  {
    name: 'secret given a literal value in stack-config',
    edits: [
      {
        file: S,
        from: /workers:\n {2}env: \[.*\]/,
        to:
          'workers:\n  env:\n    BACKEND_BASE_URL:\n    WORKER_PUBLIC_BASE_URL:\n' +
          '    WORKER_PORT:\n    SHARED_MOUNT_PATH:\n    BROKER_API_KEY: hunter2-broker',
      },
    ],
    expect: [
      'S:68:21 workers.env.BROKER_API_KEY: BROKER_API_KEY is a secret and was given a literal value ' +
        '(fix: remove the value (list the name only) and reference it in X ' +
        'as op://<vault>/<item>/<field>; rotate it if it was real)',
    ],
  },
  {
    name: 'literal value in the secrets map',
    edits: [{ file: X, from: 'JWT_SECRET: op://ktrdr-homelab/backend/jwt_secret', to: 'JWT_SECRET: s3cr3t-literal' }],
    expect: [
      'X:6:15 secrets.JWT_SECRET: looks like a literal value: secrets must be references, never values ' +
        '(fix: write op://<vault>/<item>/<field>; ' +
        'if that was a real secret, rotate it and purge it from git history)',
    ],
  },
  {
    name: 'floating image tag',
    edits: [{ file: S, from: 'prom/prometheus:v2.53.2', to: 'prom/prometheus:latest' }],
    expect: [
      'S:53:14 core.services.prometheus.image: must be pinned to an exact version ' +
        '(e.g. name:2.19.3-pg17 or name@sha256:…); floating tags break restores',
    ],
  },
  {
    name: 'service missing a contract variable',
    edits: [{ file: S, from: 'DB_PASSWORD, JWT_SECRET, SHARED', to: 'DB_PASSWORD, SHARED' }],
    expect: [
      'S:51:12 core.services.backend.env: missing JWT_SECRET, which the contract requires for backend ' +
        '(fix: add JWT_SECRET to this list)',
    ],
  },
  {
    name: 'topology set by hand',
    edits: [
      {
        file: S,
        from: /workers:\n {2}env: \[.*\]/,
        to:
          'workers:\n  env:\n    BACKEND_BASE_URL: http://10.0.0.1:8000\n    WORKER_PUBLIC_BASE_URL:\n' +
          '    WORKER_PORT:\n    SHARED_MOUNT_PATH:\n    BROKER_API_KEY:',
      },
    ],
    expect: [
      'S:64:23 workers.env.BACKEND_BASE_URL: BACKEND_BASE_URL is topology, derived from hosts, zone and ports; ' +
        'it cannot be set by hand (fix: remove the value and list the name only)',
    ],
  },
  {
    name: 'database name that is not a plain identifier',
    edits: [{ file: S, from: 'database:\n  name: ktrdr', to: 'database:\n  name: ktrdr-prod' }],
    expect: [
      'S:36:9 database.name: must be a plain lower-case identifier (letters, digits, _): ' +
        'it names the database in SQL and in backup file names',
    ],
  },
  {
    name: 'YAML syntax error',
    edits: [{ file: W, from: '    replicas: 2', to: '\treplicas: 2' }],
    expect: [
      'W:13:1 YAML syntax: Tabs are not allowed as indentation (fix: YAML indents with spaces only: replace the tab ' +
        'with spaces)',
    ],
  },
]

for (const c of cases)
  test(c.name, () => {
    const dir = configCopy(c.edits)
    let err: unknown
    try {
      loadConfig(dir)
    } catch (e) {
      err = e
    }
    assert.instance(err, ConfigError, 'expected the config to be refused')
    const lines = (err as ConfigError).issues.map(formatIssue)
    const expected = c.expect.map((l) =>
      l
        .replace(/^([WSX]):/, (_, f) => `${dir}/${{ W, S, X }[f as 'W']}:`)
        .replace(/ in ([SX])\)/, (_, f) => ` in ${dir}/${{ S, X }[f as 'S']})`)
        .replace(/ in X as/, ` in ${dir}/${X} as`),
    )
    assert.equal(lines, expected)
    for (const literal of ['hunter2-broker', 's3cr3t-literal'])
      assert.not.ok(lines.join('\n').includes(literal), 'a literal secret leaked into the error')
  })

test('every problem is reported at once, not just the first', () => {
  const dir = configCopy([
    { file: W, from: '    host: ktrdr-workers-c\n', to: '' },
    { file: S, from: 'zone: internal', to: 'zone: internal\n  extra: 1' },
  ])
  try {
    loadConfig(dir)
    assert.unreachable('should have thrown')
  } catch (e) {
    assert.is((e as ConfigError).issues.length, 2)
  }
})

test.run()
