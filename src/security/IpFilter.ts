/**
 * `[ip_filter]`: CIDR allow and deny lists, global (checked before the handshake is read) and
 * per server (checked after routing).
 *
 * Rule (Infrarust's): a non-empty `whitelist` admits only its blocks and the `blacklist` is
 * then ignored; otherwise a client in the `blacklist` is refused. Entries are CIDR blocks or
 * bare addresses (a /32 or /128; Infrarust rejects those). IPv4 clients match IPv4 rules
 * whether Node reports them as `1.2.3.4` or `::ffff:1.2.3.4` (see Cidr.ts).
 *
 * Lists are compiled once per decoded array (`cidrSetOf`), so a reload of `infrarust.toml` or
 * of a server file applies to the next connection and old compiled lists go away with the
 * config that held them.
 */
import { Context, Effect, Layer, SubscriptionRef } from "effect"
import type { IpFilterConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { cidrSetOf } from "../address/Cidr.ts"

/**
 * `config` absent = no filter. A non-empty whitelist wins over the blacklist. A server's own
 * filter is `allows(server.config.ipFilter, client)`.
 */
export const allows = (config: IpFilterConfig | undefined, client: string): boolean => {
  if (config === undefined) return true
  const whitelist = cidrSetOf(config.whitelist)
  return whitelist.cidrs.length > 0 ? whitelist.contains(client) : !cidrSetOf(config.blacklist).contains(client)
}

export class IpFilter extends Context.Service<IpFilter, {
  /** The global `[ip_filter]` of the current `infrarust.toml`. */
  readonly allowedGlobally: (client: string) => Effect.Effect<boolean>
}>()("infrarust/security/IpFilter") {
  /** The filter of `current` (read on every check). */
  static readonly make = (current: Effect.Effect<IpFilterConfig | undefined>) =>
    IpFilter.of({
      allowedGlobally: (client) => Effect.map(current, (config) => allows(config, client))
    })

  static readonly layer = Layer.effect(
    IpFilter,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      return IpFilter.make(Effect.map(SubscriptionRef.get(store.config), (c) => c.ipFilter))
    })
  )
}
