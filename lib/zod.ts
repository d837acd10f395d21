// Classic zod, for the schemas of what the toolkit reads back (deploy records, drift, backup manifests), run
// jitless as the config's (lib/config/shape.ts): one parse of each per run, where zod's compiled (new Function)
// parsers cost more to build than they save.
import { z } from 'zod'

z.config({ jitless: true })

export { z }
