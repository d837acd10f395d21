// deps-lock — resolve pyproject.toml with uv and export requirements.lock.txt beside it (design §4.3).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../lib/cli/main.ts'
import { say } from '../lib/cli/output.ts'
import { runTree } from '../lib/cli/tree.ts'
import { LOCK_FILE, uvExportArgs, uvLockArgs } from '../lib/deps/commands.ts'
import { describeDiff, diffLock, pins } from '../lib/deps/lockfile.ts'
import { requireProject, requireUv, uv, uvFailure } from '../lib/deps/uv.ts'
import { writeFileAtomic } from '../lib/fs/atomic.ts'

void main(
  {
    name: 'deps-lock',
    summary:
      'uv lock, then uv export → <APP>/requirements.lock.txt (pip-compatible, ' + 'with hashes, written atomically)',
    flags: {
      app: { type: 'string', description: 'path to the KTRDR checkout (holds pyproject.toml)', default: '../ktrdr' },
    },
    notes: ['Commit pyproject.toml, uv.lock and requirements.lock.txt together; CI runs make deps-check.'],
  },
  async (flags) => {
    const app = flags.app as string
    const target = join(app, LOCK_FILE)
    requireProject(app)
    await requireUv()
    const ctx = { resolved: '', exported: '' }
    const before = existsSync(target) ? readFileSync(target, 'utf8') : undefined
    await runTree(
      [
        {
          title: `Resolve ${join(app, 'pyproject.toml')} (uv lock)`,
          task: async (c, task) => {
            const r = await uv(app, uvLockArgs())
            if (r.code !== 0) throw uvFailure(app, 'uv lock', r)
            c.resolved = r.stderr.split('\n').find((l) => l.startsWith('Resolved')) ?? ''
            if (c.resolved) task.title = `${task.title}: ${c.resolved}`
          },
        },
        {
          title: `Export ${target} (uv export, with hashes; atomic write)`,
          task: async (c) => {
            const r = await uv(app, uvExportArgs())
            if (r.code !== 0) throw uvFailure(app, 'uv export', r)
            c.exported = r.stdout
            writeFileAtomic(target, r.stdout, 0o644)
          },
        },
      ],
      ctx,
    )
    const diff = diffLock(before, ctx.exported)
    say(
      `wrote ${target}: ${pins(ctx.exported).length} pinned packages` +
        `${diff.same ? ' (unchanged)' : before === undefined ? ' (new)' : ` (changed:\n${describeDiff(diff)})`}`,
    )
    say(`next: commit pyproject.toml, uv.lock and ${LOCK_FILE}`)
  },
)
