/**
 * The auth plugin's commands for players who are past the login (plugin commands do not run in
 * the limbo, where the handler owns every line): `/premium`, `/cracked`, `/changepassword`,
 * `/unregister`, and for admins (`[permissions] admins`, authenticated by Mojang) `/forcelogin`,
 * `/forceunregister` and `/forcechangepassword`.
 *
 * Commands are consumed by the proxy before any ChatMessage listener or backend sees them, and
 * the log lines here name who did what, never a password.
 */
import { Effect } from "effect"
import type { CommandInvocation, PluginContextShape } from "../../plugin/PluginApi.ts"
import type { AccountFileError, AccountStore } from "./AccountStore.ts"
import type { AuthMessageKey, AuthSettings } from "./AuthSettings.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { hashPassword, verifyPassword } from "./PasswordHash.ts"
import type { PremiumLookup } from "./PremiumLookup.ts"

export interface AuthCommandDeps {
  readonly ctx: PluginContextShape
  readonly settings: AuthSettings
  readonly store: AccountStore
  /** Undefined when `premium_lookup` is off. */
  readonly lookup: PremiumLookup | undefined
  /** Whether the session proved its password (or an admin logged it in) since it connected. */
  readonly loggedIn: (session: number) => boolean
  /** Lets the player the auth handler holds under `name` go on; false when nobody waits so. */
  readonly forceLogin: (name: string) => Effect.Effect<boolean>
  /** Names the auth handler holds now (completion of /forcelogin). */
  readonly waiting: () => ReadonlyArray<string>
  readonly text: (key: AuthMessageKey, values?: Readonly<Record<string, string | number>>) => string
}

const SAVE_FAILED = "§cThe account file could not be written. Please try again later."

export const registerAuthCommands = (deps: AuthCommandDeps) =>
  Effect.gen(function*() {
    const { ctx, settings, store, text } = deps
    const say = (c: CommandInvocation, key: AuthMessageKey, values?: Readonly<Record<string, string | number>>) => Effect.asVoid(c.reply(text(key, values)))
    /** A write that failed is logged and told; the command's own answer is skipped. */
    const saved = <A>(c: CommandInvocation, what: string, write: Effect.Effect<A, AccountFileError>) =>
      write.pipe(
        Effect.map((a) => ({ ok: true as const, value: a })),
        Effect.catchTag("AccountFileError", (e) =>
          Effect.as(Effect.andThen(Effect.logError(`could not save ${what}: ${e.message}`), c.reply(SAVE_FAILED)), { ok: false as const, value: undefined }))
      )
    /** The policy's refusal shown, or the new hash. */
    const newHash = (c: CommandInvocation, name: string, password: string) =>
      Effect.gen(function*() {
        const refusal = checkPassword(settings, name, password)
        if (refusal !== undefined) {
          yield* say(c, refusal.key, refusal.values)
          return undefined
        }
        return yield* hashPassword(password, settings.hashing)
      })
    /** The caller's account when `password` is its password; the refusal shown otherwise. */
    const proven = (c: CommandInvocation, password: string) =>
      Effect.gen(function*() {
        const account = store.get(c.player.name)
        if (account === undefined) return yield* Effect.as(say(c, "no_account"), undefined)
        if (yield* verifyPassword(password, account.hash)) return account
        yield* Effect.logInfo(`${c.player.name} typed a wrong password for /${c.label}`)
        return yield* Effect.as(say(c, "wrong_password"), undefined)
      })

    const premium = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (deps.lookup === undefined) return yield* say(c, "premium_disabled")
        if (c.player.identity === "online") return yield* say(c, "premium_already")
        const account = store.get(c.player.name)
        if (account === undefined) return yield* say(c, "no_account")
        if (!deps.loggedIn(c.player.session)) return yield* say(c, "premium_needs_login")
        // Only a name Mojang knows: ForceOnline for any other would lock the player out.
        const answer = yield* deps.lookup.lookup(c.player.name)
        if (answer._tag === "Unknown") return yield* say(c, "premium_unknown")
        if (answer._tag === "NotPremium") return yield* say(c, "premium_not_premium", { username: c.player.name })
        const done = yield* saved(c, `${c.player.name}'s premium choice`, Effect.andThen(store.markCracked(c.player.name, false), store.setPremium(c.player.name, true)))
        if (!done.ok) return
        yield* Effect.logInfo(`${c.player.name} chose premium: Mojang authenticates them from the next login`)
        yield* say(c, "premium_enabled")
      })

    const cracked = (c: CommandInvocation) =>
      Effect.gen(function*() {
        const name = c.player.name
        // The admin's list wins over any choice of the player's, with or without the lookup.
        if (settings.premiumNames.has(name.toLowerCase())) return yield* say(c, "cracked_listed")
        if (deps.lookup === undefined) return yield* say(c, "premium_disabled")
        const account = store.get(name)
        if (account !== undefined) {
          if (account.premium !== true) return yield* say(c, "cracked_already")
          if (!(yield* saved(c, `${name}'s cracked choice`, store.setPremium(name, false))).ok) return
          yield* Effect.logInfo(`${name} chose cracked: password login from the next login`)
          return yield* say(c, "cracked_enabled")
        }
        // Without an account only Mojang's own player may give the name up to the password flow.
        if (c.player.identity !== "online") return yield* say(c, "no_account")
        if (!(yield* saved(c, `${name}'s cracked choice`, store.markCracked(name, true))).ok) return
        yield* Effect.logInfo(`${name} chose cracked: they register a password at the next login`)
        yield* say(c, "cracked_register")
      })

    const changePassword = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (c.args.length !== 2) return yield* say(c, "changepassword_usage")
        const [old, next] = c.args as [string, string]
        if ((yield* proven(c, old)) === undefined) return
        const hash = yield* newHash(c, c.player.name, next)
        if (hash === undefined) return
        if (!(yield* saved(c, `${c.player.name}'s new password`, store.changePassword(c.player.name, hash))).ok) return
        yield* Effect.logInfo(`${c.player.name} changed their password`)
        yield* say(c, "changepassword_success")
      })

    const unregister = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (c.args.length !== 1) return yield* say(c, "unregister_usage")
        if ((yield* proven(c, c.args[0]!)) === undefined) return
        if (!(yield* saved(c, `${c.player.name}'s removal`, store.unregister(c.player.name))).ok) return
        yield* Effect.logInfo(`${c.player.name} removed their account`)
        yield* say(c, "unregister_success")
      })

    const forceLogin = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (c.args.length !== 1) return yield* say(c, "forcelogin_usage")
        const name = c.args[0]!
        if (!(yield* deps.forceLogin(name))) return yield* say(c, "forcelogin_not_waiting", { username: name })
        yield* Effect.logInfo(`${c.player.name} logged ${name} in (/forcelogin)`)
        yield* say(c, "forcelogin_success", { username: name })
      })

    const forceUnregister = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (c.args.length !== 1) return yield* say(c, "forceunregister_usage")
        const name = c.args[0]!
        const done = yield* saved(c, `the removal of ${name}'s account`, store.unregister(name))
        if (!done.ok) return
        if (!done.value) return yield* say(c, "admin_no_account", { username: name })
        yield* Effect.logInfo(`${c.player.name} removed ${name}'s account (/forceunregister)`)
        yield* say(c, "forceunregister_success", { username: name })
      })

    const forceChangePassword = (c: CommandInvocation) =>
      Effect.gen(function*() {
        if (c.args.length !== 2) return yield* say(c, "forcechangepassword_usage")
        const [name, password] = c.args as [string, string]
        if (store.get(name) === undefined) return yield* say(c, "admin_no_account", { username: name })
        const hash = yield* newHash(c, name, password)
        if (hash === undefined) return
        const done = yield* saved(c, `${name}'s new password`, store.changePassword(name, hash))
        if (!done.ok) return
        if (!done.value) return yield* say(c, "admin_no_account", { username: name })
        yield* Effect.logInfo(`${c.player.name} changed ${name}'s password (/forcechangepassword)`)
        yield* say(c, "forcechangepassword_success", { username: name })
      })

    // Only the first word is a name; a password is never completed.
    const heldNames = (r: { readonly args: ReadonlyArray<string> }) => Effect.succeed(r.args.length === 0 ? deps.waiting() : [])
    const accountNames = (r: { readonly args: ReadonlyArray<string> }) => Effect.succeed(r.args.length === 0 ? store.names() : [])
    yield* ctx.commands.register("premium", premium, { description: "Log in through Mojang from now on (no password)" })
    yield* ctx.commands.register("cracked", cracked, { description: "Log in with a password from now on" })
    yield* ctx.commands.register("changepassword", changePassword, { aliases: ["changepass"], description: "/changepassword <old> <new>" })
    yield* ctx.commands.register("unregister", unregister, { description: "/unregister <password>: remove your account" })
    yield* ctx.commands.register("forcelogin", forceLogin, { permission: "admin", complete: heldNames, description: "Log in a player waiting at the auth limbo" })
    yield* ctx.commands.register("forceunregister", forceUnregister, { permission: "admin", complete: accountNames, description: "Remove a player's account" })
    yield* ctx.commands.register("forcechangepassword", forceChangePassword, { permission: "admin", complete: accountNames, description: "Set a player's password" })
  })
