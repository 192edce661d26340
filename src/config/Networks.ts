/**
 * The network rule of server switching (reference §2.14), as Infrarust documents it (its code
 * lets a missing network through): a player may switch between two servers only when both name
 * the same non-empty `network`; a server without one is isolated. The switch itself
 * (mode/intercepted/ServerSwitch.ts) and the `/ir server` listing (command/) read the same rule.
 */
import type { LoadedServer } from "./ConfigLoader.ts"

/** Why a player on `from` may not switch to `to` under the network rule, or `undefined` when it may. */
export const networkRefusal = (from: LoadedServer, to: LoadedServer): string | undefined => {
  const a = from.config.network
  const b = to.config.network
  if (a === undefined) return `server '${from.id}' belongs to no network, so its players cannot switch servers`
  if (b === undefined) return `server '${to.id}' belongs to no network, so no player can switch to it`
  return a === b ? undefined : `servers are in different networks: '${a}' vs '${b}'`
}
