// Every prompt has a flag that answers it, and nothing prompts without a terminal on stdin.
import { confirm } from '@inquirer/prompts'
import { OpsError } from '../errors.ts'

export async function confirmOrFlag(question: string, opts: { yes: boolean; flag?: string }): Promise<boolean> {
  if (opts.yes) return true
  const flag = opts.flag ?? '--yes'
  if (!process.stdin.isTTY)
    throw new OpsError(`${question} — no terminal to ask on (stdin is not a TTY)`, {
      hint: `pass ${flag} (make: YES=1) to answer yes`,
      exitCode: 3,
    })
  return confirm({ message: question, default: false })
}
