// What a failed remote run's stderr says: its last meaningful line, without ssh's own chatter.

/** ssh's notices, never the reason a remote command failed. */
const SSH_NOISE = /^Warning: Permanently added|^ControlSocket .* already exists, disabling multiplexing/

/** The last stderr line that is not ssh noise; '' when there is none. */
export function lastStderrLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .filter((l) => l && !SSH_NOISE.test(l))
      .slice(-1)[0] ?? ''
  )
}
