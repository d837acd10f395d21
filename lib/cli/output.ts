// Everything the toolkit prints goes through the redactor: the process's stdout and stderr are wrapped
// once at start-up, so listr2, zx's verbose log, error messages and stack traces are all covered.
// Wrapped as node makes them: on first use. A stream costs node ~3 ms to build (its stream modules), which a
// job that prints a few lines never needs: say() and warn() write to the file descriptor until the stream is
// asked for (by listr2, zx, console), and through it after, so lines keep their order.
import { writeSync } from 'node:fs'
import { redact, registerSecret } from '../redactor.ts'

let installed = false

type Write = (chunk: unknown, ...rest: unknown[]) => boolean
/** The streams' own write, unwrapped: for the rest of a line already redacted (see line()). */
const raw: { stdout?: Write; stderr?: Write } = {}

function wrap(stream: NodeJS.WriteStream): Write {
  const original = stream.write.bind(stream) as Write
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : String(chunk)
    return original(redact(text), ...rest)
  }) as typeof stream.write
  return original
}

const streams: { stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream } = {}

/** process.stdout or .stderr, wrapped (and given the EPIPE handler) the moment anything asks for it. */
function wrapOnFirstUse(name: 'stdout' | 'stderr'): void {
  const own = Object.getOwnPropertyDescriptor(process, name)
  const made = (stream: NodeJS.WriteStream) => {
    raw[name] = wrap(stream)
    stream.on('error', onError)
    streams[name] = stream
    return stream
  }
  if (!own?.get || !own.configurable) {
    made(process[name])
    return
  }
  const get = own.get
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable,
    get: () => streams[name] ?? made(get.call(process)),
  })
}

// `make validate | head`: a closed pipe is the reader's choice, not an error.
function onError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  else throw e
}

export function installRedaction(): void {
  if (installed) return
  installed = true
  // op reads the service-account token from the environment itself; mask it all the same.
  registerSecret(process.env.OP_SERVICE_ACCOUNT_TOKEN ?? '')
  wrapOnFirstUse('stdout')
  wrapOnFirstUse('stderr')
}

/** One line, redacted, to fd 1 or 2: straight to the descriptor while no stream exists, else through the stream. */
function line(name: 'stdout' | 'stderr', text: string): void {
  if (!installed) installRedaction()
  if (streams[name]) {
    process[name].write(text)
    return
  }
  const bytes = Buffer.from(redact(text))
  let off = 0
  try {
    while (off < bytes.length) off += writeSync(name === 'stdout' ? 1 : 2, bytes, off)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
      onError(e as NodeJS.ErrnoException)
      return
    }
    // A non-blocking descriptor that is full: the stream queues the rest, as it is (already redacted).
    void process[name]
    raw[name]!(bytes.subarray(off))
  }
}

export function say(text = ''): void {
  line('stdout', `${text}\n`)
}

export function warn(text: string): void {
  line('stderr', `${text}\n`)
}
