/**
 * The auth plugin's accounts: one JSON file (`<plugins_dir>/auth/accounts.json` by default),
 * read once when the plugin loads and replaced whole on every change (temp file, fsync, rename),
 * so a crash leaves the old file or the new one, never half of one. Names are keys in lower
 * case (Minecraft names are case-insensitive); the hash is a PHC string (PasswordHash.ts).
 * Writes are serialised: two registrations at once cannot lose one another.
 */
import { Clock, Effect, FileSystem, Option, Schema, Semaphore } from "effect"
import * as NodePath from "node:path"

const Account = Schema.Struct({
  name: Schema.String,
  hash: Schema.String,
  registered_at: Schema.Number,
  last_login: Schema.optionalKey(Schema.Number)
})
export type Account = typeof Account.Type

const AccountsFile = Schema.Struct({ version: Schema.Literal(1), accounts: Schema.Record(Schema.String, Account) })

export class AccountFileError extends Schema.TaggedError<AccountFileError>()("AccountFileError", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}

export interface AccountStore {
  readonly get: (name: string) => Account | undefined
  readonly count: () => number
  /** Adds the account; false (nothing written) when the name has one already. */
  readonly register: (name: string, hash: string) => Effect.Effect<boolean, AccountFileError>
  readonly touch: (name: string) => Effect.Effect<void, AccountFileError>
}

/** Reads `path` (absent: no accounts) and gives the store that writes back to it. */
export const openAccountStore = (fs: FileSystem.FileSystem, path: string) =>
  Effect.gen(function*() {
    const failed = (detail: string) => new AccountFileError({ path, detail })
    const text = yield* fs.readFileString(path).pipe(
      Effect.map(Option.some),
      Effect.catch((e) => (e.reason._tag === "NotFound" ? Effect.succeedNone : Effect.fail(failed(`cannot read the file: ${e.message}`))))
    )
    const accounts = new Map<string, Account>()
    if (Option.isSome(text)) {
      const parsed = yield* Effect.try({ try: () => JSON.parse(text.value) as unknown, catch: () => failed("not valid JSON") })
      const file = yield* Schema.decodeUnknownEffect(AccountsFile)(parsed).pipe(Effect.mapError((e) => failed(e.message)))
      for (const [key, account] of Object.entries(file.accounts)) accounts.set(key, account)
    }
    const lock = yield* Semaphore.make(1)

    const write = Effect.gen(function*() {
      const temp = `${path}.tmp`
      const body = JSON.stringify({ version: 1, accounts: Object.fromEntries(accounts) }, null, 2) + "\n"
      const io = (e: { readonly message: string }) => failed(`cannot write the file: ${e.message}`)
      yield* fs.makeDirectory(NodePath.dirname(path), { recursive: true }).pipe(Effect.mapError(io))
      yield* Effect.scoped(Effect.gen(function*() {
        // Owner-only: the file holds password hashes.
        const file = yield* fs.open(temp, { flag: "w", mode: 0o600 })
        yield* file.writeAll(new TextEncoder().encode(body))
        yield* file.sync
      })).pipe(Effect.mapError(io))
      yield* fs.rename(temp, path).pipe(Effect.mapError(io))
    })

    const store: AccountStore = {
      get: (name) => accounts.get(name.toLowerCase()),
      count: () => accounts.size,
      register: (name, hash) =>
        Semaphore.withPermit(lock)(Effect.gen(function*() {
          const key = name.toLowerCase()
          if (accounts.has(key)) return false
          accounts.set(key, { name, hash, registered_at: yield* Clock.currentTimeMillis })
          // Not kept when the file cannot be written: the player would lose the account at the next restart.
          yield* Effect.tapError(write, () => Effect.sync(() => accounts.delete(key)))
          return true
        })),
      touch: (name) =>
        Semaphore.withPermit(lock)(Effect.gen(function*() {
          const key = name.toLowerCase()
          const account = accounts.get(key)
          if (account === undefined) return
          accounts.set(key, { ...account, last_login: yield* Clock.currentTimeMillis })
          yield* write
        }))
    }
    return store
  })
