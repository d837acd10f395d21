// A change of the db image's pin (core.services.db.image), around make deploy-core of the db: refused before
// anything changes when the new image is another PostgreSQL major than the data directory (the server could
// not open it: that takes the dump-and-restore path); after the deploy, the TimescaleDB extension updated in
// every database where the new image carries a newer one, and, with pitr:, a full base backup when the db's
// image changed (backups of the old image's cluster restore with the old image's extension).
import { BACKUP_LIB, coreTarget } from '../backup/job.ts'
import { projectName } from '../compose/workers.ts'
import { dbImage, tagOf } from '../compose/pgbackrest.ts'
import type { Config } from '../config/model.ts'
import type { JobHost } from '../job/host.ts'
import { events } from '../job/protocol.ts'
import { OpsError } from '../errors.ts'
import { bind, type Bound, type ScriptParts } from '../job/render.ts'
import { runBaseBackup } from '../pitr/base-backup.ts'

export const DB_PIN_LIB = [...BACKUP_LIB, 'db-pin/db-pin.sh'] as const

/**
 * The PostgreSQL major of an image, from its tag: timescale/timescaledb:2.19.3-pg17 and
 * timescale/timescaledb-ha:pg17.4-ts2.19.3 → 17, postgres:17.2 → 17; undefined when the tag does not say.
 */
export function pgMajorOf(image: string): number | undefined {
  const tag = tagOf(image)
  if (!tag) return undefined
  const pg = /(?:^|[^A-Za-z0-9])pg(\d+)/i.exec(`-${tag}`)
  if (pg) return Number(pg[1])
  const name = image
    .slice(0, image.length - tag.length - 1)
    .split('/')
    .pop()
  const lead = /^(\d+)(?:[.-]|$)/.exec(tag)
  return name === 'postgres' && lead ? Number(lead[1]) : undefined
}

const vars = (cfg: Config): Record<string, Bound> => {
  const project = projectName(cfg.stack.core.compose_path)
  return {
    project,
    compose_path: cfg.stack.core.compose_path,
    volume: `${project}_dbdata`,
    db_user: cfg.stack.database.user,
  }
}

/** Read-only, before the deploy: the db's image and data directory's major, refused if the new pin's differs. */
export function dbPinCheckScript(cfg: Config, newImage: string, newMajor: number | undefined): ScriptParts {
  return {
    lib: DB_PIN_LIB,
    body: [...bind({ ...vars(cfg), new_image: newImage, new_major: newMajor ?? '' }), 'db_pin_check'],
  }
}

/** After the deploy: the extension updated where the image's is newer. */
export function tsdbUpdateScript(cfg: Config): ScriptParts {
  return { lib: DB_PIN_LIB, body: [...bind(vars(cfg)), 'db_container', 'tsdb_update'] }
}

/**
 * Before the deploy of the db: the image it runs now ('-': none, or the host did not answer — the deploy's own
 * preflight then says why), or the refusal of another PostgreSQL major. Notes for the operator.
 */
export async function dbPinBefore(cfg: Config, notes: string[]): Promise<string> {
  const pin = cfg.stack.core.services.db?.image ?? ''
  const major = pgMajorOf(pin)
  if (pin && major === undefined)
    notes.push(`cannot tell the PostgreSQL major version of ${pin} from its tag: not checked against the data`)
  const t = coreTarget(cfg, false)
  try {
    const out = await t.run(dbPinCheckScript(cfg, dbImage(cfg) ?? pin, major))
    const ev = events(out.stdout)
    const refused = ev.find((e) => e.event === 'failed')
    if (refused && out.exitCode === 2) throw new OpsError(`deploy-core: ${refused.detail.trim()}`, { exitCode: 2 })
    return ev.find((e) => e.event === 'db-pin')?.detail.split(' ')[0] ?? '-'
  } finally {
    await t.close()
  }
}

/**
 * After a deploy of the db: the extension update, and with pitr: a full base backup if the image changed.
 * Returns what to say; a step that fails is said as a warning (the deploy itself succeeded).
 */
export async function dbPinAfter(cfg: Config, before: string): Promise<string[]> {
  const t: JobHost = coreTarget(cfg, false)
  const said: string[] = []
  try {
    const out = await t.runOrThrow(tsdbUpdateScript(cfg), { label: 'TimescaleDB update' })
    for (const e of events(out.stdout).filter((x) => x.event === 'tsdb')) {
      const [db, from, to] = e.detail.trim().split(' ')
      said.push(from === to ? `TimescaleDB ${to} in ${db}: current` : `TimescaleDB in ${db}: updated ${from} → ${to}`)
    }
    const now = await t.runOrThrow(dbPinCheckScript(cfg, '', undefined), { label: 'db pin' })
    const image =
      events(now.stdout)
        .find((e) => e.event === 'db-pin')
        ?.detail.split(' ')[0] ?? '-'
    if (cfg.stack.pitr && before !== '-' && image !== before) {
      const label = await runBaseBackup(cfg, cfg.stack.pitr, t, 'full')
      said.push(`the db's image changed: full base backup ${label} of the cluster under it`)
    }
  } catch (e) {
    said.push(`warning: ${(e as Error).message}`)
  } finally {
    await t.close()
  }
  return said
}
