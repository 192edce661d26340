/**
 * Which server a player means, and which it may go to: a typed server name matched against the
 * loaded ids (exact first, then in any case when only one id matches), and the servers a player
 * on a given server may switch to under the network rule (config/Networks.ts). `/ir server`
 * lists and completes only those, so it never offers a switch the rule would refuse.
 */
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { networkRefusal } from "../config/Networks.ts"

export type ServerMatch =
  | { readonly _tag: "Found"; readonly id: string }
  | { readonly _tag: "Unknown" }
  /** Two or more ids equal the typed name in some case (`Survival` and `survival`). */
  | { readonly _tag: "Ambiguous"; readonly ids: ReadonlyArray<string> }

/** The id `typed` names: itself when loaded, else the one id equal to it ignoring case. */
export const matchServer = (ids: ReadonlyArray<string>, typed: string): ServerMatch => {
  if (ids.includes(typed)) return { _tag: "Found", id: typed }
  const lower = typed.toLowerCase()
  const alike = ids.filter((id) => id.toLowerCase() === lower)
  if (alike.length === 0) return { _tag: "Unknown" }
  return alike.length === 1 ? { _tag: "Found", id: alike[0]! } : { _tag: "Ambiguous", ids: alike }
}

export type Choices =
  /** The servers of `current`'s network, `current` among them, in the routing table's order. */
  | { readonly _tag: "Network"; readonly ids: ReadonlyArray<string> }
  /** `current` belongs to no network: its players cannot switch. */
  | { readonly _tag: "Isolated" }
  /** `current` is no longer loaded (its file was removed while the player stayed). */
  | { readonly _tag: "Unloaded" }

/** Where a player on `current` may switch to under the network rule. */
export const choicesFrom = (servers: ReadonlyArray<LoadedServer>, current: string): Choices => {
  const from = servers.find((s) => s.id === current)
  if (from === undefined) return { _tag: "Unloaded" }
  if (from.config.network === undefined) return { _tag: "Isolated" }
  return { _tag: "Network", ids: servers.filter((s) => s === from || networkRefusal(from, s) === undefined).map((s) => s.id) }
}
