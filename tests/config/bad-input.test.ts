// Bad input and footguns, each driven through its make target: refused before anything is read, sent or
// changed — non-zero, the file:line and field where there is one, what was found, the fix; the 1Password
// stand-in never called, ssh never started (a trap on PATH records any call), no file made by a $(…).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configCopy, type Edit, HOMELAB } from '../helpers/config-copy.ts'
import { make, type RunResult } from '../helpers/run.ts'
import { opWorld } from '../helpers/standins.ts'
import { tempDir } from '../helpers/tmp.ts'

const TAG = 'sha-a1b2c3d'
const trapDir = tempDir('ktrdr-ssh-trap-')
const sshLog = join(trapDir, 'ssh.log')
writeFileSync(join(trapDir, 'ssh'), `#!/bin/sh\necho "$@" >>'${sshLog}'\nexit 255\n`, { mode: 0o755 })

/** make TARGET with the op stand-in and the ssh trap first on PATH; what ran is checked by `untouched`. */
function attempt(target: string, vars: Record<string, string>, env: Record<string, string> = {}) {
  const op = opWorld()
  const r = make(target, vars, { env: { ...op.env, PATH: `${trapDir}:${op.env.PATH}`, ...env } })
  return { ...r, op }
}
const sshCalls = () => (existsSync(sshLog) ? readFileSync(sshLog, 'utf8').trim().split('\n').length : 0)

function refused(r: RunResult & { op: { calls(t?: string): number } }, code: number, text: string) {
  const before = sshCalls()
  assert.is(r.code, code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stderr, text)
  assert.is(r.op.calls('op'), 0, 'a secret was read')
  assert.is(sshCalls(), before, 'ssh was started')
}

// --- make: variables, the environment, tags ---------------------------------------------------------

test('DRY_RUN=1 in the environment is honoured, and said so: a dry run, nothing read or opened', () => {
  const before = sshCalls()
  const r = attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'C', TAG }, { DRY_RUN: '1' })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'DRY_RUN=1 (from the environment)')
  assert.match(r.stdout, 'dry run')
  assert.is(r.op.calls('op'), 0)
  assert.is(sshCalls(), before)
})

test('a TAG (or NODE) from the environment is refused for deploys, naming it and the fix', () => {
  refused(
    attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'C' }, { TAG }),
    2,
    `TAG is set in the environment (TAG=${TAG}): make deploy-workers takes it only on the command line`,
  )
  refused(
    attempt('deploy-core', { CONFIG: HOMELAB, TAG }, { SERVICE: 'backend' }),
    2,
    'SERVICE is set in the environment (SERVICE=backend)',
  )
})

test('a guard from the environment (YES=1) is refused: it is lifted only on the command line', () => {
  refused(attempt('restore', { CONFIG: HOMELAB }, { YES: '1' }), 2, 'YES=1 is set in the environment')
})

test('a misspelt variable never widens a target: NODES=C, SERVICES=backend refused, naming the known ones', () => {
  refused(
    attempt('deploy-workers', { CONFIG: HOMELAB, NODES: 'C', TAG, DRY_RUN: '1' }),
    2,
    'NODES is not a variable of make deploy-workers (nothing was run); it takes: NODE TAG',
  )
  refused(
    attempt('deploy-core', { CONFIG: HOMELAB, SERVICES: 'backend', TAG, DRY_RUN: '1' }),
    2,
    'SERVICES is not a variable of make deploy-core (nothing was run); it takes: SERVICE TAG',
  )
})

test('deploys require NODE / SERVICE: all is spelled out', () => {
  refused(
    attempt('deploy-workers', { CONFIG: HOMELAB, TAG, DRY_RUN: '1' }),
    2,
    'error: no node: pass NODE=<name> or NODE=all (make), or --node',
  )
  refused(
    attempt('deploy-core', { CONFIG: HOMELAB, TAG, DRY_RUN: '1' }),
    2,
    'error: no service: pass SERVICE=<name> or SERVICE=all (make), or --service',
  )
})

test('DRAIN_TIMEOUT that is not a duration, and FORCE=1 NODE=all without YES=1 and no terminal: refused', () => {
  for (const value of ['10', 'ten', '0s', '5 s', '-5s', '1d'])
    refused(
      attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'B', TAG, DRAIN_TIMEOUT: value }),
      2,
      `error: DRAIN_TIMEOUT=${JSON.stringify(value)} is not a duration: nothing was deployed`,
    )
  const all = attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'all', TAG, FORCE: '1' })
  refused(all, 2, 'FORCE=1 on every node (node B, node C): a worker still busy at its drain deadline is replaced')
  assert.match(all.stderr, 'no terminal to ask on (stdin is not a TTY)')
  assert.match(all.stderr, 'hint: pass --yes (make: YES=1) to answer yes')
  // One node, or YES=1, is not asked: the run goes on (to the ssh trap).
  const asked: Record<string, string>[] = [
    { NODE: 'B', FORCE: '1' },
    { NODE: 'all', FORCE: '1', YES: '1' },
  ]
  for (const vars of asked) {
    const before = sshCalls()
    const r = attempt('deploy-workers', { CONFIG: HOMELAB, TAG, ...vars })
    assert.not.match(r.stderr, 'no terminal to ask on', JSON.stringify(vars))
    assert.ok(sshCalls() > before, `ssh was never tried: ${JSON.stringify(vars)}`)
  }
})

test('a tag is passed through make untouched and checked before anything is read: $(…), sha-, latest, local', () => {
  const marker = join(tempDir('ktrdr-tag-'), 'x')
  for (const tag of [
    `sha-$(touch ${marker})`,
    `sha-$(shell touch ${marker})`,
    'sha-',
    'latest',
    'local',
    'sha-ABC1234',
  ]) {
    const r = attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'C', TAG: tag })
    refused(r, 2, `error: not a tag CI publishes: ${JSON.stringify(tag)}`)
    assert.match(r.stderr, 'deploys take sha-<7 to 40 hex digits> or sha256:<64 hex digits>')
    assert.not.ok(existsSync(marker), `${tag}: make or a shell ran the command`)
  }
})

test('a digest deploys as image@sha256:… (dry run)', () => {
  const digest = `sha256:${'ab'.repeat(32)}`
  const r = attempt('deploy-workers', { CONFIG: HOMELAB, NODE: 'C', TAG: digest, DRY_RUN: '1' })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, `ghcr.io/ktrdr/ktrdr-worker@${digest}`)
})

test('a disabled service is called disabled, with its reason, not unknown', () => {
  const dir = configCopy([
    { file: 'stack-config.yml', from: /( {4}grafana:\n)/, to: '$1      disabled: not in this lab\n' },
  ])
  refused(
    attempt('deploy-core', { CONFIG: dir, SERVICE: 'grafana', TAG, DRY_RUN: '1' }),
    2,
    'core service "grafana" is disabled in',
  )
})

// --- config accepted but wrong: make validate refuses, and so does a deploy of it -----------------------

const W = 'worker-nodes.yml'
const S = 'stack-config.yml'
const X = 'secrets.yml'
const cases: { name: string; edits: Edit[]; line: string }[] = [
  {
    name: 'a worker node on the core host on a port the core publishes',
    edits: [
      { file: W, from: 'host: ktrdr-workers-b', to: 'host: ktrdr-core' },
      { file: W, from: 'port: 9000', to: 'port: 9090' },
    ],
    line:
      "W:9:11 worker_nodes[0].port: node B (ports 9090–9092) and the core's prometheus (port 9090) share a port on " +
      'host ktrdr-core (fix: move node B to port 9091 or later)',
  },
  {
    name: "a worker node on the backend's port",
    edits: [
      { file: W, from: 'host: ktrdr-workers-b', to: 'host: ktrdr-core' },
      { file: W, from: 'port: 9000', to: 'port: 7999' },
    ],
    line: 'W:9:11 worker_nodes[0].port: node B (ports 7999–8001) and the backend (port 8000) share a port',
  },
  {
    name: 'port 65535 with 3 replicas',
    edits: [{ file: W, from: 'port: 9000', to: 'port: 65535' }],
    line:
      "W:9:11 worker_nodes[0].port: node B's 3 replicas would listen on ports 65535–65537: past 65535 " +
      '(fix: use port 65533 or lower)',
  },
  {
    name: 'port ranges overlapping on one machine under two host names',
    edits: [
      {
        file: W,
        from: /$/,
        to:
          '  - name: E\n    host: ktrdr-workers-e\n    address: 192.168.50.11\n' +
          '    compose_path: /opt/ktrdr-workers-e/docker-compose.workers.yml\n    port: 9002\n',
      },
    ],
    line: 'W:19:11 worker_nodes[2].port: node E (port 9002) and node B (ports 9000–9002) share a port',
  },
  {
    name: 'an address out of range',
    edits: [{ file: S, from: '{ address: 192.168.50.12 }', to: '{ address: 192.168.50.300 }' }],
    line: 'S:27:31 hosts.ktrdr-workers-c.address: must be an IP address (four numbers 0–255',
  },
  {
    name: 'two hosts sharing an address',
    edits: [{ file: S, from: '{ address: 192.168.50.12 }', to: '{ address: 192.168.50.11 }' }],
    line:
      'S:27:31 hosts.ktrdr-workers-c.address: hosts ktrdr-workers-b and ktrdr-workers-c share the address ' +
      '192.168.50.11 (fix: give each host its own address',
  },
  {
    name: 'a zone with an empty label',
    edits: [{ file: S, from: 'zone: internal', to: 'zone: home..lan' }],
    line: 'S:14:9 dns.zone: must be a DNS zone',
  },
  {
    name: "a host's ssh that ssh would read as an option",
    edits: [
      {
        file: S,
        from: '{ address: 192.168.50.12 }',
        to: '{ address: 192.168.50.12, ssh: "-oProxyCommand=touch /tmp/ktrdr-pwned" }',
      },
    ],
    line: 'S:27:51 hosts.ktrdr-workers-c.ssh: must be [user@]host',
  },
  {
    name: 'an ssh user with a shell character',
    edits: [{ file: S, from: /^ {2}user: root /m, to: '  user: "root;id" ' }],
    line: 'S:17:9 ssh.user: must be a user name',
  },
  {
    name: 'an ssh.config_file that does not exist',
    edits: [{ file: S, from: /^ssh:\n/m, to: 'ssh:\n  config_file: no/such/ssh_config\n' }],
    line: 'S:17:16 ssh.config_file: no such file: ',
  },
  {
    name: 'REGISTRY_PASSWORD handed to every worker',
    edits: [{ file: S, from: 'BROKER_API_KEY, LOG_LEVEL]', to: 'BROKER_API_KEY, REGISTRY_PASSWORD, LOG_LEVEL]' }],
    line:
      "workers.env[5]: REGISTRY_PASSWORD is the deploy tool's own (the hosts' registry login); no service may get " +
      'it (fix: remove REGISTRY_PASSWORD from this list',
  },
  {
    name: 'a compose_path with shell characters',
    edits: [{ file: W, from: 'compose_path: /opt/ktrdr-workers-b/', to: 'compose_path: /opt/ktrdr-workers-b$(id)/' }],
    line: 'W:7:19 worker_nodes[0].compose_path: must be a plain path',
  },
  {
    name: 'a dev_secrets entry missing (every environment the config has is checked)',
    edits: [{ file: X, from: /^ {2}JWT_SECRET: op:\/\/ktrdr-dev\/.*\n/m, to: '' }],
    line:
      'X:12:3 dev_secrets: missing JWT_SECRET, needed by backend (dev never falls back to secrets:) ' +
      '(fix: add JWT_SECRET: op://<vault>/<item>/<field> under dev_secrets:)',
  },
  {
    name: 'two secrets missing: both named',
    edits: [
      { file: X, from: /^ {2}JWT_SECRET: op:\/\/ktrdr-homelab\/.*\n/m, to: '' },
      { file: X, from: /^ {2}BROKER_API_KEY: op:\/\/ktrdr-homelab\/.*\n/m, to: '' },
    ],
    line:
      'X:5:3 secrets: missing JWT_SECRET, needed by backend (fix: add JWT_SECRET: op://<vault>/<item>/<field> ' +
      'under secrets:)\nX:5:3 secrets: missing BROKER_API_KEY, needed by worker',
  },
  {
    name: 'a reference with one slash is malformed, not a literal',
    edits: [{ file: X, from: 'op://ktrdr-homelab/postgres/password', to: 'op:/ktrdr-homelab/postgres/password' }],
    line:
      'X:5:16 secrets.DB_PASSWORD: a malformed op reference (op://<vault>/<item>/<field>) ' +
      '(fix: write op://<vault>/<item>/<field>)\n',
  },
  {
    name: 'a drain_timeout that is not a duration',
    edits: [{ file: W, from: '    replicas: 3\n', to: '    replicas: 3\n    drain_timeout: 10 minutes\n' }],
    line: 'W:9:20 worker_nodes[0].drain_timeout: must be a duration like 3s, 500ms or 2m',
  },
  {
    name: 'max_unavailable as many as the replicas',
    edits: [{ file: W, from: '    replicas: 3\n', to: '    replicas: 3\n    max_unavailable: 3\n' }],
    line:
      'W:9:22 worker_nodes[0].max_unavailable: max_unavailable 3 ≥ replicas 3: a rolling deploy would take every ' +
      'worker of node B out at once (fix: use 1 to 2 (or leave it out: 1))',
  },
  {
    name: 'an unknown key gets a suggestion',
    edits: [{ file: W, from: 'replicas: 3', to: 'replcias: 3' }],
    line: 'W:8:5 worker_nodes[0].replcias: unknown field "replcias": did you mean "replicas"?',
  },
  {
    name: 'a list item out of line with the items before it',
    edits: [{ file: W, from: '  - name: C', to: ' - name: C' }],
    line:
      'W:10:1 YAML syntax: A block sequence may not be used as an implicit map key (fix: this "- " is not lined up ' +
      'with the items before it: give every item of one list the same indentation)',
  },
  {
    name: "a list item's key one space short",
    edits: [{ file: W, from: '    host: ktrdr-workers-b', to: '   host: ktrdr-workers-b' }],
    line:
      'W:6:1 YAML syntax: Sequence item without - indicator (fix: this line is indented like a list item but has ' +
      'no "- ": line it up with the keys of the item above)',
  },
  {
    name: "YAML's own wording, explained",
    edits: [{ file: S, from: 'username: ktrdr-ci', to: 'username: ktrdr: ci' }],
    line:
      'S:6:13 YAML syntax: Nested mappings are not allowed in compact mappings (fix: a value on this line holds ' +
      '": " (key: a: b): quote the value ("a: b")',
  },
]

for (const c of cases)
  test(`make validate refuses ${c.name}`, () => {
    const dir = configCopy(c.edits)
    const want = c.line.replace(/(^|\n)([WSX]):/g, (_m, nl, f) => `${nl}${join(dir, { W, S, X }[f as 'W'])}:`)
    refused(attempt('validate', { CONFIG: dir }), 2, want)
  })

test('a deploy of a broken config is refused the same way: no ssh, no secret, no $(…) run', () => {
  const dir = configCopy([
    {
      file: S,
      from: '{ address: 192.168.50.12 }',
      to: '{ address: 192.168.50.12, ssh: "-oProxyCommand=touch /tmp/x" }',
    },
  ])
  refused(
    attempt('deploy-workers', { CONFIG: dir, NODE: 'C', TAG }),
    2,
    'hosts.ktrdr-workers-c.ssh: must be [user@]host',
  )
})

test('a deploy of 12 nodes prints no MaxListenersExceededWarning (one abort controller per host)', () => {
  const nodes = Array.from(
    { length: 12 },
    (_, i) =>
      `  - name: N${i}\n    host: ktrdr-workers-b\n    compose_path: /opt/n${i}/docker-compose.workers.yml\n` +
      `    port: ${10000 + i}\n`,
  ).join('')
  const dir = configCopy([{ file: W, from: /^worker_nodes:\n[\s\S]*$/m, to: `worker_nodes:\n${nodes}` }])
  const r = attempt('deploy-workers', { CONFIG: dir, NODE: 'all', TAG })
  assert.is(r.code, 2, r.stdout + r.stderr)
  assert.match(r.stdout, 'N11')
  assert.not.match(r.stderr, 'MaxListenersExceededWarning')
  assert.not.match(r.stderr, 'Warning', r.stderr)
})

test.run()
