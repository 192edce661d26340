/**
 * The forwarding secret file (`[forwarding] secret_file`): the Velocity HMAC key or the
 * BungeeGuard token, which backends must share (reference §1.3).
 *
 * - Present: its text, surrounding whitespace trimmed (editors add a final newline).
 * - Empty or only whitespace: a {@link ForwardingSecretError} naming the file. The caller turns
 *   forwarding off for that reason (ForwardingSetup.ts) rather than sign with an empty key.
 * - Missing, when a mode needs it: a 12-character alphanumeric secret is generated with a
 *   cryptographic RNG and written with mode 0600, parent directories created. The write is
 *   atomic and never clobbers: the secret goes to a private temporary file (`wx`), is flushed,
 *   and is hard-linked into place, so readers see no file or the whole secret, and a file another
 *   process created meanwhile wins (it is read instead). On a file system without hard links
 *   the temporary file is renamed into place instead.
 */
import { Effect, FileSystem, Option, Schema } from "effect"
import { randomBytes, randomInt } from "node:crypto"
import * as NodePath from "node:path"

/** The length Infrarust's reference commit generates (reference §1.3). */
export const GENERATED_SECRET_LENGTH = 12
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

export const ForwardingSecretProblem = Schema.Literals(["Empty", "Unreadable", "Unwritable"])
export type ForwardingSecretProblem = typeof ForwardingSecretProblem.Type

export class ForwardingSecretError extends Schema.TaggedError<ForwardingSecretError>()("ForwardingSecretError", {
  path: Schema.String,
  problem: ForwardingSecretProblem,
  detail: Schema.String
}) {
  override get message(): string {
    switch (this.problem) {
      case "Empty":
        return `${this.path}: the forwarding secret file is empty; put the secret the backends use in it, or delete it to have one generated`
      case "Unreadable":
        return `${this.path}: cannot read the forwarding secret (${this.detail})`
      case "Unwritable":
        return `${this.path}: cannot create the forwarding secret file (${this.detail})`
    }
  }
}

export interface ForwardingSecret {
  readonly path: string
  /** The trimmed text; never empty. */
  readonly secret: string
  /** True when this call generated and wrote it. */
  readonly created: boolean
}

/** 12 characters of `[A-Za-z0-9]`, uniformly drawn (`randomInt` rejects biased samples). */
export const generateSecret = (): string =>
  Array.from({ length: GENERATED_SECRET_LENGTH }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("")

const problem = (path: string, kind: ForwardingSecretProblem) => (error: { readonly message: string }) =>
  new ForwardingSecretError({ path, problem: kind, detail: error.message })

const isTag = (tag: string) => (error: { readonly reason?: { readonly _tag?: string } }): boolean => error.reason?._tag === tag

/**
 * "There is no such file": not found, or a parent that is not a directory (ENOTDIR). The latter
 * is what Rust's `Path::exists()` also calls absent; creating the file then fails and says why.
 */
const isAbsent = (error: { readonly reason?: { readonly _tag?: string; readonly cause?: unknown } }): boolean =>
  isTag("NotFound")(error) || (error.reason?.cause as { readonly code?: string } | undefined)?.code === "ENOTDIR"

/** The secret in `path`, None when the file does not exist; empty is an error. */
export const readForwardingSecret = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(
    Effect.map(Option.some),
    Effect.catch((e) => isAbsent(e) ? Effect.succeedNone : Effect.fail(problem(path, "Unreadable")(e)))
  )
  if (Option.isNone(text)) return Option.none<string>()
  const secret = text.value.trim()
  if (secret === "") return yield* new ForwardingSecretError({ path, problem: "Empty", detail: "no text" })
  return Option.some(secret)
})

/** Writes `secret` to `path` unless a file is already there; true when ours was written. */
const writeNew = Effect.fnUntraced(function*(path: string, secret: string) {
  const fs = yield* FileSystem.FileSystem
  yield* fs.makeDirectory(NodePath.dirname(path), { recursive: true })
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`
  return yield* Effect.gen(function*() {
    yield* Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(temp, { flag: "wx", mode: 0o600 })
      yield* file.writeAll(new TextEncoder().encode(secret))
      yield* file.sync
    }))
    return yield* fs.link(temp, path).pipe(
      Effect.as(true),
      Effect.catch((e) =>
        isTag("AlreadyExists")(e)
          ? Effect.succeed(false)
          // No hard links here (some network and FAT file systems): rename is still atomic.
          : Effect.as(fs.rename(temp, path), true)
      )
    )
  }).pipe(Effect.ensuring(fs.remove(temp).pipe(Effect.ignore)))
})

/**
 * The secret in `path`, generated and written first when the file is missing. Fails with
 * {@link ForwardingSecretError} for an empty, unreadable or uncreatable file.
 */
export const loadOrCreateForwardingSecret = Effect.fnUntraced(function*(path: string) {
  const existing = yield* readForwardingSecret(path)
  if (Option.isSome(existing)) return { path, secret: existing.value, created: false } satisfies ForwardingSecret
  const secret = generateSecret()
  const written = yield* writeNew(path, secret).pipe(Effect.mapError(problem(path, "Unwritable")))
  if (written) return { path, secret, created: true } satisfies ForwardingSecret
  // Another process created the file between our read and our link: its secret wins.
  const theirs = yield* readForwardingSecret(path)
  return Option.isSome(theirs)
    ? { path, secret: theirs.value, created: false } satisfies ForwardingSecret
    : yield* new ForwardingSecretError({ path, problem: "Unreadable", detail: "the file vanished while being created" })
})
