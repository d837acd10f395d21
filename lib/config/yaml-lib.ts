// The yaml library, loaded on its first use: a config file that lib/config/plain-yaml.ts reads whole (every config
// this repository ships) never loads it, and a job's start skips its ~100 KB (docs/architecture.md, "How a job
// starts"). In a bundle the direct require is esbuild's lazy initialiser of the bundled module (lib/bundled.ts).
import { createRequire } from 'node:module'
import { BUNDLED } from '../bundled.ts'

type Yaml = typeof import('yaml')
let lib: Yaml | undefined

export function yamlLib(): Yaml {
  lib ??= (BUNDLED ? require('yaml') : createRequire(import.meta.url)('yaml')) as Yaml
  return lib
}
