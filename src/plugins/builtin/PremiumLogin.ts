/**
 * The auth plugin's PreLogin listener: which players Mojang authenticates (ForceOnline) instead
 * of a password. In order:
 *
 * 1. a name in `premium_names` (the admin's list) always;
 * 2. with `premium_lookup` on, a name whose account opted in with `/premium` (with it off the
 *    opt-in is kept but not used: the account's password works as before);
 * 3. a name with a password account never (its owner chose the password: an account is how a
 *    cracked player keeps a name that also exists at Mojang);
 * 4. a name its owner marked cracked (`/cracked` without an account) never;
 * 5. otherwise, with `premium_lookup` on and an `offline` server, the Mojang profile API decides:
 *    a premium name goes through Mojang's login, so a cracked client using it is refused there.
 *    No answer (rate limit, API down or slow) means the password flow.
 *
 * A login another listener denied stays denied; client_only servers authenticate everyone anyway.
 */
import { Effect, Option } from "effect"
import type { PluginContextShape, PreLoginResult } from "../../plugin/PluginApi.ts"
import type { AccountStore } from "./AccountStore.ts"
import type { AuthSettings } from "./AuthSettings.ts"
import type { PremiumLookup } from "./PremiumLookup.ts"

const FORCE_ONLINE: PreLoginResult = { _tag: "ForceOnline" }

export const premiumAtLogin = (ctx: PluginContextShape, settings: AuthSettings, store: AccountStore, lookup: PremiumLookup | undefined) =>
  (event: { readonly attempt: { readonly name: string }; readonly server: string }, current: PreLoginResult) =>
    Effect.gen(function*() {
      if (current._tag === "Denied") return
      const name = event.attempt.name
      if (settings.premiumNames.has(name.toLowerCase())) return FORCE_ONLINE
      if (lookup === undefined) return
      const account = store.get(name)
      if (account?.premium === true) return FORCE_ONLINE
      if (account !== undefined || store.isMarkedCracked(name)) return
      const server = yield* ctx.servers.get(event.server)
      if (Option.isNone(server) || server.value.proxyMode !== "offline") return
      const answer = yield* lookup.lookup(name)
      if (answer._tag !== "Premium") return
      yield* Effect.logInfo(`${name} is a premium name: Mojang authenticates them`)
      return FORCE_ONLINE
    })
