// Every prompt has a flag that answers it, and nothing prompts without a terminal on stdin. The prompt library
// is loaded only to ask: loading it costs start-up time, and it looks at the terminal's colours (node warns
// when NO_COLOR and FORCE_COLOR are both set), in every run of a script that merely can ask.
import { OpsError } from '../errors.ts'

export async function confirmOrFlag(question: string, opts: { yes: boolean; flag?: string }): Promise<boolean> {
  if (opts.yes) return true
  const flag = opts.flag ?? '--yes'
  if (!process.stdin.isTTY)
    throw new OpsError(`${question} — no terminal to ask on (stdin is not a TTY)`, {
      hint: `pass ${flag} (make: YES=1) to answer yes`,
      exitCode: 3,
    })
  const { confirm } = await import('@inquirer/prompts')
  return confirm({ message: question, default: false })
}
