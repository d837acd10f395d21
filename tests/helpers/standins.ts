// Put the op/az stand-ins (tests/standins/bin) first on PATH with a vault the test chooses.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './config-copy.ts'
import { tempDir } from './tmp.ts'

export const STANDIN_BIN = join(REPO, 'tests/standins/bin')

/** Awkward values: quotes, $, backticks, backslashes, newlines, non-ASCII. */
export const AWKWARD = {
  DB_PASSWORD: 'it"s $HOME `id` back\\slash\nzweite Zeile ü€ \t tab',
  JWT_SECRET: "it's ü — single quote\nline two",
  BROKER_API_KEY: 'bk_live_0123456789abcdef',
  REGISTRY_PASSWORD: 'reg-pass-𝄞-xyz',
  GRAFANA_ADMIN_PASSWORD: "gr'af $ana ü",
} as const

export interface OpWorld {
  env: Record<string, string>
  log: string
  calls(tool?: string): number
  vaultFile: string
}

/** A stand-in 1Password with the homelab and dev refs of infra/homelab/secrets.yml filled. */
export function opWorld(values: Record<string, string> = AWKWARD, extra: Record<string, unknown> = {}): OpWorld {
  const dir = tempDir('ktrdr-op-')
  const items = (v: Record<string, string>) => ({
    postgres: { password: v.DB_PASSWORD },
    backend: { jwt_secret: v.JWT_SECRET },
    broker: { api_key: v.BROKER_API_KEY },
    ghcr: { token: v.REGISTRY_PASSWORD },
    grafana: { admin_password: v.GRAFANA_ADMIN_PASSWORD ?? 'grafana-admin' },
  })
  const vaultFile = join(dir, 'vault.json')
  writeFileSync(
    vaultFile,
    JSON.stringify({
      desktop_session: true,
      vaults: { 'ktrdr-homelab': items(values), 'ktrdr-dev': items(values) },
      ...extra,
    }),
    { mode: 0o600 },
  )
  const log = join(dir, 'calls.jsonl')
  return {
    env: { PATH: `${STANDIN_BIN}:${process.env.PATH}`, OP_STANDIN_VAULT: vaultFile, STANDIN_LOG: log },
    log,
    vaultFile,
    calls: (tool = 'op') =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter((l) => JSON.parse(l).tool === tool).length
        : 0,
  }
}
