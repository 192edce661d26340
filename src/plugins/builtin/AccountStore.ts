/**
 * The auth plugin's accounts: one JSON file (`<plugins_dir>/auth/accounts.json` by default),
 * read once when the plugin loads and replaced whole on every change (temp file, fsync, rename),
 * so a crash leaves the old file or the new one, never half of one. Names are keys in lower
 * case (Minecraft names are case-insensitive); the hash is a PHC string (PasswordHash.ts).
 * Writes are serialised: two registrations at once cannot lose one another.
 *
 * Besides password accounts the file keeps each account's `premium` opt-in (`/premium`: the name
 * logs in through Mojang from then on) and `cracked`, the names without an account whose owner
 * asked (`/cracked`) never to be looked up as premium again. A change that cannot be written is
 * undone in memory, so memory never claims what the file does not hold.
 */
import { Clock, Effect, FileSystem, Option, Schema, Semaphore } from "effect"
import * as NodePath from "node:path"

const Account = Schema.Struct({
  name: Schema.String,
  hash: Schema.String,
  registered_at: Schema.Number,
  last_login: Schema.optionalKey(Schema.Number),
  /** `/premium`: from the next login the name is authenticated by Mojang (ForceOnline), no password. */
  premium: Schema.optionalKey(Schema.Boolean)
})
export type Account = typeof Account.Type

const AccountsFile = Schema.Struct({
  version: Schema.Literal(1),
  accounts: Schema.Record(Schema.String, Account),
  /** Lower-case names without an account that opted out of premium detection. */
  cracked: Schema.optionalKey(Schema.Array(Schema.String))
})

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
  /** The accounts' names as registered. */
  readonly names: () => ReadonlyArray<string>
  /** Adds the account; false (nothing written) when the name has one already. */
  readonly register: (name: string, hash: string) => Effect.Effect<boolean, AccountFileError>
  readonly touch: (name: string) => Effect.Effect<void, AccountFileError>
  /** Replaces the account's hash; false when the name has no account. */
  readonly changePassword: (name: string, hash: string) => Effect.Effect<boolean, AccountFileError>
  /** Removes the account; false when the name had none. */
  readonly unregister: (name: string) => Effect.Effect<boolean, AccountFileError>
  /** Sets the account's premium opt-in; false when the name has no account. */
  readonly setPremium: (name: string, premium: boolean) => Effect.Effect<boolean, AccountFileError>
  readonly isMarkedCracked: (name: string) => boolean
  /** Marks (or unmarks) a name as never premium. */
  readonly markCracked: (name: string, cracked: boolean) => Effect.Effect<void, AccountFileError>
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
    const cracked = new Set<string>()
    if (Option.isSome(text)) {
      const parsed = yield* Effect.try({ try: () => JSON.parse(text.value) as unknown, catch: () => failed("not valid JSON") })
      const file = yield* Schema.decodeUnknownEffect(AccountsFile)(parsed).pipe(Effect.mapError((e) => failed(e.message)))
      for (const [key, account] of Object.entries(file.accounts)) accounts.set(key, account)
      for (const name of file.cracked ?? []) cracked.add(name.toLowerCase())
    }
    const lock = yield* Semaphore.make(1)

    const write = Effect.gen(function*() {
      const temp = `${path}.tmp`
      const file = cracked.size === 0 ? { version: 1, accounts: Object.fromEntries(accounts) } : { version: 1, accounts: Object.fromEntries(accounts), cracked: [...cracked] }
      const body = JSON.stringify(file, null, 2) + "\n"
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

    /**
     * Applies `mutate` (serialised with every other write) and writes the file; when the write
     * fails, the previous state comes back. `mutate` returns false when there was nothing to do.
     */
    const change = (mutate: () => boolean) =>
      Semaphore.withPermit(lock)(Effect.suspend(() => {
        const before = { accounts: new Map(accounts), cracked: new Set(cracked) }
        if (!mutate()) return Effect.succeed(false)
        const restore = Effect.sync(() => {
          accounts.clear()
          for (const [k, v] of before.accounts) accounts.set(k, v)
          cracked.clear()
          for (const n of before.cracked) cracked.add(n)
        })
        return Effect.as(Effect.tapError(write, () => restore), true)
      }))

    /** Replaces `name`'s account with `edit` of it; false when there is none. */
    const edit = (name: string, f: (account: Account) => Account) =>
      change(() => {
        const key = name.toLowerCase()
        const account = accounts.get(key)
        if (account === undefined) return false
        accounts.set(key, f(account))
        return true
      })

    const store: AccountStore = {
      get: (name) => accounts.get(name.toLowerCase()),
      count: () => accounts.size,
      names: () => [...accounts.values()].map((a) => a.name),
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
        })),
      changePassword: (name, hash) => edit(name, (account) => ({ ...account, hash })),
      unregister: (name) => change(() => accounts.delete(name.toLowerCase())),
      setPremium: (name, premium) =>
        edit(name, (account) => {
          const { premium: _old, ...rest } = account
          return premium ? { ...rest, premium: true } : rest
        }),
      isMarkedCracked: (name) => cracked.has(name.toLowerCase()),
      markCracked: (name, mark) =>
        Effect.asVoid(change(() => {
          const key = name.toLowerCase()
          if (mark === cracked.has(key)) return false
          if (mark) cracked.add(key)
          else cracked.delete(key)
          return true
        }))
    }
    return store
  })
