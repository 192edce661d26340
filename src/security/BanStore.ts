/**
 * `bans.json` on disk: reading, crash-safe writing, and keeping a corrupt file aside.
 *
 * Invariant: the file is only ever replaced whole. A write goes to `<file>.tmp`, is flushed
 * to disk (fsync), and is then renamed over the file, so a crash or kill at any point leaves
 * either the old complete file or the new complete file — never a torn one. A stale
 * `<file>.tmp` left by a crash is simply overwritten by the next write.
 *
 * Callers serialise writes (BanList holds a lock); this module has no state.
 */
import { Clock, Effect, FileSystem, Option, Schema } from "effect"
import * as NodePath from "node:path"

export class BanStoreError extends Schema.TaggedError<BanStoreError>()("BanStoreError", {
  path: Schema.String,
  /** What we were doing: "read", "write", "set aside". */
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: cannot ${this.operation} the ban store (${this.detail})`
  }
}

const failWith = (path: string, operation: string) => (error: { readonly message: string }) =>
  new BanStoreError({ path, operation, detail: error.message })

const isNotFound = (error: { readonly reason?: { readonly _tag?: string } }): boolean => error.reason?._tag === "NotFound"

/** The file's text, or None when it does not exist (a missing store is an empty one). */
export const readBanText = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  return yield* fs.readFileString(path).pipe(
    Effect.map(Option.some),
    Effect.catch((error) => isNotFound(error) ? Effect.succeedNone : Effect.fail(failWith(path, "read")(error)))
  )
})

export const tempPathOf = (path: string): string => `${path}.tmp`

/** Replaces the file with `text` atomically: temp file, fsync, rename. */
export const writeBanText = Effect.fnUntraced(function*(path: string, text: string) {
  const fs = yield* FileSystem.FileSystem
  const temp = tempPathOf(path)
  const bytes = new TextEncoder().encode(text)
  yield* Effect.scoped(Effect.gen(function*() {
    const file = yield* fs.open(temp, { flag: "w", mode: 0o600 })
    yield* file.writeAll(bytes)
    yield* file.sync
  })).pipe(Effect.mapError(failWith(path, "write")))
  yield* fs.rename(temp, path).pipe(Effect.mapError(failWith(path, "write")))
})

/**
 * Moves a corrupt file out of the way instead of overwriting it: `<file>.bak`, or
 * `<file>.<epoch ms>.bak` when an earlier `.bak` exists (it is never overwritten either).
 * Returns the new path.
 */
export const setAside = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const plain = `${path}.bak`
  const taken = yield* fs.exists(plain).pipe(Effect.orElseSucceed(() => true))
  const target = taken ? `${path}.${yield* Clock.currentTimeMillis}.bak` : plain
  yield* fs.rename(path, target).pipe(Effect.mapError(failWith(path, "set aside")))
  return target
})

/** Creates the directory that holds the store when it is missing (for nested paths). */
export const ensureDirectory = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const directory = NodePath.dirname(path)
  yield* fs.makeDirectory(directory, { recursive: true }).pipe(Effect.mapError(failWith(path, "create the directory of")))
})
