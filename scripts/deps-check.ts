// deps-check — fail when uv.lock or requirements.lock.txt no longer match pyproject.toml (for CI; design §4.3).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { LOCK_FILE, uvExportArgs, uvLockCheckArgs } from '../lib/deps/commands.ts'
import { describeDiff, diffLock, pins } from '../lib/deps/lockfile.ts'
import { requireProject, requireUv, uv, uvFailure } from '../lib/deps/uv.ts'
import { OpsError } from '../lib/errors.ts'

void main(
  {
    name: 'deps-check',
    summary:
      'exit non-zero when <APP>/uv.lock or requirements.lock.txt is stale against pyproject.toml (writes nothing)',
    flags: {
      app: { type: 'string', description: 'path to the KTRDR checkout (holds pyproject.toml)', default: '../ktrdr' },
    },
    notes: [
      'Exit 0: both fresh. 1: requirements.lock.txt differs from uv export. ' +
        '2: uv.lock stale/missing or pyproject.toml invalid.',
    ],
  },
  async (flags) => {
    const app = flags.app as string
    const target = join(app, LOCK_FILE)
    const fix = `run make deps-lock APP=${app} and commit pyproject.toml, uv.lock and ${LOCK_FILE}`
    requireProject(app)
    await requireUv()
    const ctx = { count: 0 }
    await runTree(
      [
        {
          title: `uv.lock matches ${join(app, 'pyproject.toml')} (uv lock --check)`,
          task: async () => {
            const r = await uv(app, uvLockCheckArgs())
            if (r.code !== 0) throw uvFailure(app, 'uv lock --check', r)
          },
        },
        {
          title: `${target} matches uv export`,
          task: async (c) => {
            const r = await uv(app, uvExportArgs())
            if (r.code !== 0) throw uvFailure(app, 'uv export', r)
            if (!existsSync(target)) throw new OpsError(`${target} is missing`, { hint: fix })
            const diff = diffLock(readFileSync(target, 'utf8'), r.stdout)
            if (!diff.same)
              throw new OpsError(`${target} is stale: it differs from what uv.lock exports:\n${describeDiff(diff)}`, {
                hint: fix,
              })
            c.count = pins(r.stdout).length
          },
        },
      ],
      ctx,
    )
    say(`${target} is up to date (${ctx.count} pinned packages)`)
  },
)
