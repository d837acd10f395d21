#!/usr/bin/env node
// The lab's registry token service: what GHCR's https://ghcr.io/token does for the registry, as
// distribution's token auth expects it (docs: "Token Authentication Specification"). Test infrastructure,
// never shipped. No dependencies: node:https, node:crypto.
//
//   node lab/token-service.mjs hash < password          → a users-file entry's hash (scrypt), password on stdin
//   node lab/token-service.mjs serve CONFIG.json        → serve until SIGTERM (pid in config.pidFile)
//
// GET /token?service=…&scope=repository:<name>:pull,push (Basic auth), and the OAuth2 password grant
// (POST grant_type=password). A known user gets the actions it asks for on any repository, in an ES256 JWT
// whose x5c header carries the signer's certificate (the registry's rootcertbundle). Wrong credentials → 401.
// For tests, config.policyFile (read on every request, absent = normal) may say {"expired": true} (tokens
// expired beyond the registry's 60 s leeway) or {"grant": "other"} (tokens for another repository only).
// Secrets never reach the log: it records time, account, scope and outcome.
import { randomBytes, scryptSync, sign, timingSafeEqual, X509Certificate, createPrivateKey } from 'node:crypto'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'

const b64url = (buf) => Buffer.from(buf).toString('base64url')

function hashPassword(password) {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`
}

function checkPassword(entry, password) {
  const [kind, salt, hash] = entry.split('$')
  if (kind !== 'scrypt' || !salt || !hash) return false
  const want = Buffer.from(hash, 'base64')
  const got = scryptSync(password, Buffer.from(salt, 'base64'), want.length)
  return timingSafeEqual(want, got)
}

function readUsers(path) {
  const users = new Map()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const i = line.indexOf(':')
    if (i > 0) users.set(line.slice(0, i), line.slice(i + 1))
  }
  return users
}

function readPolicy(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return {}
  }
}

function parseScopes(values) {
  return values
    .flatMap((v) => v.split(' '))
    .filter(Boolean)
    .flatMap((s) => {
      const parts = s.split(':')
      if (parts.length < 3) return []
      return [{ type: parts[0], name: parts.slice(1, -1).join(':'), actions: parts.at(-1).split(',') }]
    })
}

function makeToken(cfg, signer, account, scopes, policy) {
  const now = Math.floor(Date.now() / 1000)
  const expires = policy.expired ? now - 600 : now + 300
  const access = scopes
    .filter((s) => s.type === 'repository')
    .map((s) => ({
      type: s.type,
      name: policy.grant === 'other' ? `${s.name}-not-this-one` : s.name,
      actions: s.actions.filter((a) => a === 'pull' || a === 'push'),
    }))
  const header = { typ: 'JWT', alg: 'ES256', x5c: [signer.der] }
  const claims = {
    iss: cfg.issuer,
    sub: account,
    aud: cfg.service,
    exp: expires,
    nbf: expires - 300,
    iat: expires - 300,
    jti: randomBytes(12).toString('hex'),
    access,
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' })
  return { token: `${input}.${b64url(signature)}`, expires_in: 300, issued_at: new Date((expires - 300) * 1000) }
}

function basicCredentials(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!m) return undefined
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const i = text.indexOf(':')
  return i < 0 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) }
}

async function formBody(req) {
  let body = ''
  for await (const chunk of req) body += chunk
  return new URLSearchParams(body)
}

function serve(configPath) {
  const cfg = JSON.parse(readFileSync(configPath, 'utf8'))
  const signer = {
    key: createPrivateKey(readFileSync(cfg.signerKey)),
    der: new X509Certificate(readFileSync(cfg.signerCert)).raw.toString('base64'),
  }
  const log = (line) => appendFileSync(cfg.logFile, `${new Date().toISOString()} ${line}\n`)
  const server = createServer({ key: readFileSync(cfg.key), cert: readFileSync(cfg.cert) }, async (req, res) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`)
    const reply = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }
    if (url.pathname !== '/token') return reply(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] })
    let creds
    let params = url.searchParams
    if (req.method === 'POST') {
      params = await formBody(req)
      if (params.get('grant_type') === 'password')
        creds = { user: params.get('username') ?? '', password: params.get('password') ?? '' }
    } else creds = basicCredentials(req.headers.authorization)
    const scopes = parseScopes(params.getAll('scope'))
    const scopeText = params.getAll('scope').join(' ') || '-'
    const users = readUsers(cfg.usersFile)
    const entry = creds && users.get(creds.user)
    if (!creds || !entry || !checkPassword(entry, creds.password)) {
      log(`401 account=${creds?.user ?? '-'} scope=${scopeText}`)
      return reply(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] },
        { 'www-authenticate': `Basic realm="${cfg.service}"` },
      )
    }
    const policy = readPolicy(cfg.policyFile)
    const t = makeToken(cfg, signer, creds.user, scopes, policy)
    const note =
      `${policy.expired ? ' (expired by policy)' : ''}` + `${policy.grant ? ` (grant ${policy.grant} by policy)` : ''}`
    log(`200 account=${creds.user} scope=${scopeText}${note}`)
    reply(200, { token: t.token, access_token: t.token, expires_in: t.expires_in, issued_at: t.issued_at })
  })
  server.listen(cfg.port, cfg.host, () => {
    writeFileSync(cfg.pidFile, `${process.pid}\n`)
    log(`listening on ${cfg.host}:${cfg.port}`)
  })
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}

process.title = 'ktrdr-token'
const [command, arg] = process.argv.slice(2)
if (command === 'hash') {
  let pw = ''
  for await (const chunk of process.stdin) pw += chunk
  process.stdout.write(`${hashPassword(pw)}\n`)
} else if (command === 'serve' && arg) serve(arg)
else {
  process.stderr.write('usage: token-service.mjs hash < password | serve CONFIG.json\n')
  process.exit(2)
}
