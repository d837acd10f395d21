// zx's quote (zx/build/util.cjs), the same bytes for every value, without loading zx: the redactor runs in
// every job, also those that never spawn a process, and zx's import costs them a tenth of their start-up
// (bench/startup.ts). tests/secrets/redaction.test.ts holds the two equal.
export function quote(arg: string): string {
  if (arg === '') return `$''`
  if (/^[\w/.\-@:=]+$/.test(arg)) return arg
  return (
    `$'` +
    arg
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "\\'")
      .replace(/\f/g, '\\f')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(/\v/g, '\\v')
      .replace(/\0/g, '\\0') +
    `'`
  )
}
