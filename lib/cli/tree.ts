// Run a listr2 tree the same way in every script: the default renderer on a terminal, the plain
// fallback renderer in CI or when output is piped, and errors collected for the entry point to report.
import { Listr, type ListrTask } from 'listr2'

export function useFallback(): boolean {
  return !process.stdout.isTTY || Boolean(process.env.CI) || process.env.TERM === 'dumb'
}

export async function runTree<Ctx extends object>(
  tasks: ListrTask<Ctx>[],
  ctx: Ctx,
  opts: { concurrent?: boolean; exitOnError?: boolean; silent?: boolean } = {},
): Promise<Ctx> {
  // silent: a script whose stdout is one document (status JSON=1) shows no tree.
  const list = new Listr<Ctx, 'default' | 'simple' | 'silent', 'simple'>(tasks, {
    ctx,
    concurrent: opts.concurrent ?? false,
    exitOnError: opts.exitOnError ?? true,
    renderer: opts.silent ? 'silent' : useFallback() ? 'simple' : 'default',
    fallbackRenderer: 'simple',
    // Scripts own Ctrl-C (release locks, end remote shells); listr2 would exit(127) on its own.
    registerSignalListeners: false,
  })
  return list.run()
}
