// What the config's schemas take from zod/mini, and its English messages, required by lib/config/shape.ts only
// when a file needs zod's messages. Named here, so that a bundle holds these and what they use, never the rest
// of zod/mini's namespace (its `locales` alone is 265 KB).
export {
  _default,
  array,
  config,
  discriminatedUnion,
  enum,
  gte,
  int,
  literal,
  lte,
  minLength,
  null,
  number,
  optional,
  record,
  refine,
  regex,
  safeParse,
  strictObject,
  string,
  union,
} from 'zod/mini'
export { default as en } from 'zod/v4/locales/en.js'
