/**
 * Password hashes for the auth plugin: Argon2id through Node's own `crypto.argon2` (no native
 * add-on to build), stored in the PHC string format
 * `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (unpadded base64), so a hash
 * carries its parameters and later changes of the settings keep old hashes verifiable.
 * Hashing runs on libuv's thread pool, never on the event loop.
 */
import { Effect, Schema } from "effect"
import { argon2, randomBytes, timingSafeEqual } from "node:crypto"

export interface Argon2Parameters {
  /** KiB (OWASP's minimum for Argon2id: 19456 with 2 passes). */
  readonly memory: number
  readonly passes: number
  readonly parallelism: number
}

const SALT_BYTES = 16
const TAG_BYTES = 32

export class PasswordHashError extends Schema.TaggedError<PasswordHashError>()("PasswordHashError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `password hashing failed: ${this.detail}`
  }
}

const derive = (password: string, salt: Uint8Array, p: Argon2Parameters, tagLength: number) =>
  Effect.callback<Buffer, PasswordHashError>((resume) => {
    argon2("argon2id", { message: password, nonce: salt, memory: p.memory, passes: p.passes, parallelism: p.parallelism, tagLength }, (error, tag) =>
      resume(error === null ? Effect.succeed(tag) : Effect.fail(new PasswordHashError({ detail: error.message }))))
  })

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "")

/** A fresh salt and the PHC string of `password`. */
export const hashPassword = (password: string, p: Argon2Parameters) =>
  Effect.gen(function*() {
    const salt = randomBytes(SALT_BYTES)
    const tag = yield* derive(password, salt, p, TAG_BYTES)
    return `$argon2id$v=19$m=${p.memory},t=${p.passes},p=${p.parallelism}$${b64(salt)}$${b64(tag)}`
  })

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

/** Whether `password` matches `phc`; false for a string that is not an Argon2id PHC hash. */
export const verifyPassword = (password: string, phc: string) =>
  Effect.gen(function*() {
    const m = PHC.exec(phc)
    if (m === null) return false
    const expected = Buffer.from(m[5]!, "base64")
    const p = { memory: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]) }
    const tag = yield* derive(password, Buffer.from(m[4]!, "base64"), p, expected.length)
    return tag.length === expected.length && timingSafeEqual(tag, expected)
  })
