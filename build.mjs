// Precompile every scripts/*.ts into one self-contained dist/<name>.mjs, so a job starts close to bare node
// (tsx on the same imports costs ~6×; see bench/startup.ts).
import { build } from 'esbuild'
import { readdirSync, readFileSync } from 'node:fs'

// The jobs' .sh files go into every bundle with the TypeScript that binds their variables (lib/job/files.ts):
// a bundle never meets another version of them, whatever the checkout holds after a pull.
const libFiles = Object.fromEntries(
  readdirSync('lib', { recursive: true })
    .filter((f) => f.endsWith('.sh'))
    .map((f) => [f, readFileSync(`lib/${f}`, 'utf8')]),
)
const entries = readdirSync('scripts')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `scripts/${f}`)
await build({
  entryPoints: entries,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __KTRDR_LIB_FILES__: JSON.stringify(libFiles) },
  // CommonJS dependencies bundled into ESM still call require(): give them one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
})
console.log(`built ${entries.length} scripts into dist/`)
