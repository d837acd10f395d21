// A secret value. It registers itself with the redactor on creation and never prints itself:
// String(), JSON and util.inspect all show the mask. Only reveal() hands out the value, for stdin or env.
import { inspect } from 'node:util'
import { MASK, registerSecret } from '../redactor.ts'

export class Secret {
  readonly name: string
  readonly #value: string
  constructor(name: string, value: string) {
    this.name = name
    this.#value = value
    registerSecret(value)
  }
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return MASK
  }
  toJSON(): string {
    return MASK
  }
  [inspect.custom](): string {
    return `Secret(${this.name})`
  }
}

export type SecretValues = ReadonlyMap<string, Secret>
