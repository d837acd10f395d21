// Whether this code runs from a dist/ bundle (build.mjs defines __KTRDR_BUNDLED__) or from the TypeScript sources
// (tsx). A module loaded on first use is `BUNDLED ? require('<module>') : createRequire(import.meta.url)('<module>')`:
// esbuild bundles the direct require as a lazy initialiser, and drops the other branch.
declare const __KTRDR_BUNDLED__: boolean | undefined
export const BUNDLED: boolean = typeof __KTRDR_BUNDLED__ !== 'undefined' && __KTRDR_BUNDLED__
