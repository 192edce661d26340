/**
 * The built-in `auth` plugin, for offline-mode networks: its limbo handler holds every player
 * until they `/register <password> <confirm>` (first visit) or `/login <password>`, then lets
 * them on.
 *
 * - Passwords are hashed with Argon2id (PasswordHash.ts) and kept in a JSON file under the
 *   plugin's data directory, written atomically (AccountStore.ts).
 * - Everything a held player types is consumed by the handler: it never reaches a backend, a
 *   ChatMessage listener or a log (the session gives limbo chat to the handlers alone). Log
 *   lines name the player and what happened, never what they typed.
 * - `max_login_attempts` wrong passwords disconnect the player; so does not logging in within
 *   `login_timeout_seconds` (0: no limit).
 * - A player the proxy authenticated with Mojang (client_only, or PreLogin ForceOnline in
 *   offline mode: PremiumLogin.ts) is accepted at once: its identity is proven already.
 * - The commands for players past the login and for admins are in AuthCommands.ts.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Duration, Effect, type FileSystem, Fiber, Layer, Option, Scope } from "effect"
import * as NodePath from "node:path"
import type { ChatInput, LimboPlayer } from "../../limbo/LimboHandler.ts"
import { PluginContext, type PluginDefinition } from "../../plugin/PluginApi.ts"
import { type AccountStore, openAccountStore } from "./AccountStore.ts"
import { registerAuthCommands } from "./AuthCommands.ts"
import { type AuthMessageKey, decodeAuthSettings } from "./AuthSettings.ts"
import { render } from "./LegacyText.ts"
import { hashPassword, verifyPassword } from "./PasswordHash.ts"
import { checkPassword } from "./PasswordPolicy.ts"
import { premiumAtLogin } from "./PremiumLogin.ts"
import { makePremiumLookup } from "./PremiumLookup.ts"
import { registerHandler } from "./RegisterHandler.ts"

const SAVE_FAILED = "&cYour account could not be saved. Please try again later."

interface Held {
  failures: number
  timer: Fiber.Fiber<unknown> | undefined
  /** The player's session id, for the logged-in set. */
  session: number | undefined
}

/** Past this many remembered logins, the ones whose session is over are forgotten. */
const LOGGED_IN_PRUNE_AT = 1024

export const authPlugin = (fs: FileSystem.FileSystem, version: string): PluginDefinition => ({
  id: "auth",
  version,
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* decodeAuthSettings(ctx.config)
    const store: AccountStore = yield* openAccountStore(fs, NodePath.resolve(ctx.dataDir, settings.storagePath))
    const scope = yield* Scope.Scope
    const held = new Map<LimboPlayer, Held>()
    const text = (key: AuthMessageKey, values: Readonly<Record<string, string | number>> = {}) => render(settings.messages[key], values)
    const say = (player: LimboPlayer, key: AuthMessageKey, values?: Readonly<Record<string, string | number>>) => Effect.asVoid(player.message(text(key, values)))

    const lookup = settings.premiumLookup ? yield* makePremiumLookup(settings.premiumApi) : undefined
    // No listener when there is nothing to decide: an awaited PreLogin listener is work at every login.
    if (settings.premiumNames.size > 0 || lookup !== undefined) {
      yield* ctx.events.on("PreLogin", premiumAtLogin(ctx, settings, store, lookup))
    }

    /** Sessions that logged in through the handler (the proof /premium asks for). */
    const loggedIn = new Set<number>()
    const remember = (state: Held) =>
      Effect.gen(function*() {
        if (state.session === undefined) return
        loggedIn.add(state.session)
        if (loggedIn.size < LOGGED_IN_PRUNE_AT) return
        const live = new Set((yield* ctx.players.list).map((s) => s.id))
        for (const id of loggedIn) if (!live.has(id)) loggedIn.delete(id)
      })

    /** Ends the player's turn; false when it was over already (a second line raced the first). */
    const finish = (player: LimboPlayer, result: Parameters<LimboPlayer["complete"]>[0]) =>
      Effect.gen(function*() {
        const state = held.get(player)
        if (state === undefined) return false
        held.delete(player)
        if (state.timer !== undefined) yield* Fiber.interrupt(state.timer)
        return yield* player.complete(result)
      })

    const login = (player: LimboPlayer, state: Held, args: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        if (args.length !== 1) return yield* say(player, "login_usage")
        const account = store.get(player.name)
        if (account === undefined) return yield* say(player, "login_not_registered")
        if (yield* verifyPassword(args[0]!, account.hash)) {
          yield* Effect.logInfo(`${player.name} logged in`)
          yield* remember(state)
          yield* say(player, "login_success")
          yield* Effect.catchTag(store.touch(player.name), "AccountFileError", (e) => Effect.logWarning(`could not record ${player.name}'s login: ${e.message}`))
          yield* finish(player, { _tag: "Accept" })
          return
        }
        state.failures++
        yield* Effect.logInfo(`${player.name} typed a wrong password (${state.failures}/${settings.maxAttempts})`)
        if (state.failures >= settings.maxAttempts) {
          yield* finish(player, { _tag: "Deny", reason: text("login_max_attempts") })
          return
        }
        yield* say(player, "login_fail", { attempts_left: settings.maxAttempts - state.failures, max_attempts: settings.maxAttempts })
      })

    const register = (player: LimboPlayer, state: Held, args: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        if (args.length !== 2) return yield* say(player, "register_usage")
        if (store.get(player.name) !== undefined) return yield* say(player, "register_account_exists")
        const [password, confirm] = args as [string, string]
        if (password !== confirm) return yield* say(player, "register_password_mismatch")
        const refusal = checkPassword(settings, player.name, password)
        if (refusal !== undefined) return yield* say(player, refusal.key, refusal.values)
        const saved = yield* store.register(player.name, yield* hashPassword(password, settings.hashing)).pipe(
          Effect.catchTag("AccountFileError", (e) => Effect.as(Effect.logError(`could not save ${player.name}'s account: ${e.message}`), undefined))
        )
        if (saved === undefined) return yield* player.message(render(SAVE_FAILED))
        if (!saved) return yield* say(player, "register_account_exists")
        yield* Effect.logInfo(`${player.name} registered`)
        yield* remember(state)
        yield* say(player, "register_success")
        yield* finish(player, { _tag: "Accept" })
      })

    const chat = (player: LimboPlayer, input: ChatInput) =>
      Effect.gen(function*() {
        const state = held.get(player)
        if (state === undefined) return "consumed" as const
        const [command = "", ...args] = input.message.trim().split(/\s+/)
        if (!input.command) yield* say(player, "unknown_command")
        else if (command.toLowerCase() === "login" || command.toLowerCase() === "l") yield* login(player, state, args)
        else if (command.toLowerCase() === "register" || command.toLowerCase() === "reg") yield* register(player, state, args)
        else yield* say(player, "unknown_command")
        // Every line is the handler's: a password typed without its command is still a password.
        return "consumed" as const
      })

    const enter = (player: LimboPlayer) =>
      Effect.gen(function*() {
        const session = yield* ctx.players.find(player.uuid)
        if (Option.isSome(session) && session.value.identity === "online") {
          yield* Effect.logInfo(`${player.name} is authenticated by Mojang; no password asked`)
          return { _tag: "Accept" } as const
        }
        const state: Held = { failures: 0, timer: undefined, session: Option.isSome(session) ? session.value.id : undefined }
        held.set(player, state)
        const registered = store.get(player.name) !== undefined
        const [title, subtitle] = registered ? ["login_title", "login_subtitle"] as const : ["register_title", "register_subtitle"] as const
        yield* player.title({ title: text(title, { username: player.name }), subtitle: text(subtitle, { username: player.name }), stay: 100 })
        yield* say(player, subtitle, { username: player.name })
        if (settings.loginTimeoutSeconds > 0) {
          const expire = Effect.gen(function*() {
            if (held.get(player) !== state) return
            state.timer = undefined // this fiber: finish must not interrupt it
            yield* Effect.logInfo(`${player.name} did not log in within ${settings.loginTimeoutSeconds}s; disconnected`)
            yield* finish(player, { _tag: "Deny", reason: text("login_timeout") })
          })
          state.timer = yield* Effect.forkIn(Effect.delay(expire, Duration.seconds(settings.loginTimeoutSeconds)), scope)
        }
        return { _tag: "Hold" } as const
      })

    const heldNamed = (name: string) => [...held].find(([p]) => p.name.toLowerCase() === name.toLowerCase())

    /**
     * The commands come with the plugin's use (a server lists `auth`, or premium players are
     * recognised), checked at load and at each reload: a network that does not use the plugin
     * keeps `/changepassword` or `/unregister` for its backends (AuthMe has them). Once there,
     * they stay until the proxy restarts (plugin commands cannot be withdrawn one by one).
     */
    let commandsOn = false
    const inUse = Effect.map(ctx.servers.list, (servers) =>
      settings.premiumNames.size > 0 || lookup !== undefined || servers.some((s) => s.limboHandlers.includes("auth")))
    const commands = registerAuthCommands({
      ctx,
      settings,
      store,
      lookup,
      text,
      loggedIn: (session) => loggedIn.has(session),
      waiting: () => [...held.keys()].map((p) => p.name),
      forceLogin: (name) =>
        Effect.gen(function*() {
          const found = heldNamed(name)
          if (found === undefined) return false
          const [player, state] = found
          yield* remember(state)
          yield* say(player, "forcelogin_player")
          return yield* finish(player, { _tag: "Accept" })
        })
    })
    const ensureCommands = Effect.gen(function*() {
      if (commandsOn || !(yield* inUse)) return
      commandsOn = true
      yield* commands
      yield* Effect.logInfo("the auth commands are registered (/premium, /cracked, /changepassword, /unregister, /forcelogin, /forceunregister, /forcechangepassword)")
    })
    yield* ensureCommands
    yield* ctx.events.on("ConfigReload", () => ensureCommands)

    yield* Effect.logInfo(`${store.count()} account(s) loaded`)
    yield* registerHandler(ctx, "auth", {
      enter,
      chat,
      leave: (player) =>
        Effect.gen(function*() {
          const state = held.get(player)
          held.delete(player)
          if (state?.timer !== undefined) yield* Fiber.interrupt(state.timer)
        })
    })
  })).pipe(
    // Kept-alive connections to the profile API, for the plugin's lifetime.
    Layer.provide(NodeHttpClient.layerNodeHttpOptions({ keepAlive: true }))
  )
})
