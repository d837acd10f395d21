// Everything the toolkit prints goes through the redactor: the process's stdout and stderr are wrapped
// once at start-up, so listr2, zx's verbose log, error messages and stack traces are all covered.
import { redact, registerSecret } from '../redactor.ts'

let installed = false

function wrap(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : String(chunk)
    return original(redact(text), ...rest)
  }) as typeof stream.write
}

export function installRedaction(): void {
  if (installed) return
  installed = true
  // op reads the service-account token from the environment itself; mask it all the same.
  registerSecret(process.env.OP_SERVICE_ACCOUNT_TOKEN ?? '')
  wrap(process.stdout)
  wrap(process.stderr)
}

export function say(line = ''): void {
  process.stdout.write(`${line}\n`)
}

export function warn(line: string): void {
  process.stderr.write(`${line}\n`)
}

// `make validate | head`: a closed pipe is the reader's choice, not an error.
for (const s of [process.stdout, process.stderr])
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    else throw e
  })
