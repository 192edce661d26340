/**
 * One backend status response as the cache keeps it, and the JSON each client gets from it.
 *
 * Invariants:
 * - every field the backend sent survives (Forge's `forgeData`, `modinfo`, `enforcesSecureChat`,
 *   mods' extras): the response is parsed once into a plain object and only the keys the
 *   proxy owns are replaced; nothing is decoded strictly, so unknown fields never break it;
 * - a client whose release the backend's version name covers gets its own protocol number
 *   (no "incompatible version" for an entry fetched by another version); any other client
 *   gets the number the backend gave;
 * - `[motd.online]` of the server replaces description, favicon, version name and max
 *   players when set (Infrarust's override); protocol, online count and sample stay the
 *   backend's. A response without a favicon gets the configured default one;
 * - the reply fits the status packet's 32767-character string: an override that would not
 *   fit loses its favicon first, and then falls back to the backend's own response.
 *
 * Rendering is memoised per (config snapshot, protocol) on the snapshot, so a flood of pings
 * on one cached entry costs a Map lookup each, not a JSON.stringify.
 */
import { Predicate } from "effect"
import type { MotdEntry } from "../config/MotdConfig.ts"
import { isKnownProtocol, NEWEST_KNOWN_PROTOCOL } from "../protocol/ProtocolVersion.ts"
import { MAX_STATUS_JSON_CHARS } from "../protocol/Status.ts"
import { descriptionOf, parseJson } from "./Motd.ts"
import { coveredProtocols, rangesCover } from "./VersionName.ts"

/** Protocol numbers that are not known releases share this bucket (and legacy pings use it). */
export const OTHER_PROTOCOLS = -1
/** Numbers just above the newest known release are keyed exactly: they are likely new releases. */
export const FUTURE_PROTOCOL_SLACK = 16

/**
 * The cache bucket of a client protocol. Known releases (and the next few numbers) are keyed
 * exactly; everything else (snapshots, -1 of "which version?" pingers, garbage) shares one
 * bucket, so varying the number cannot multiply backend fetches beyond ~70 keys per server.
 */
export const protocolBucket = (protocol: number): number =>
  isKnownProtocol(protocol) || (protocol > NEWEST_KNOWN_PROTOCOL && protocol <= NEWEST_KNOWN_PROTOCOL + FUTURE_PROTOCOL_SLACK)
    ? protocol
    : OTHER_PROTOCOLS

type Json = Record<string, unknown>

export interface StatusSnapshot {
  /** The backend's JSON text, exactly as received. */
  readonly raw: string
  /** The parsed response; never mutated. */
  readonly body: Json
  readonly protocol: number | undefined
  /** True when the backend's version name covers the client release `protocol`. */
  readonly covers: (protocol: number) => boolean
  /** Rendered replies for one overrides object (see {@link renderStatus}). */
  memo: { readonly overrides: Overrides; readonly byProtocol: Map<number, string> } | undefined
}

/** The snapshot of a backend's status JSON, or a reason when it is not a JSON object. */
export const parseStatus = (raw: string): StatusSnapshot | string => {
  const body = parseJson(raw)
  if (!Predicate.isObject(body)) return body === undefined ? "the status response is not valid JSON" : "the status response is not a JSON object"
  const version = Predicate.isObject(body["version"]) ? body["version"] : undefined
  const versionName = typeof version?.["name"] === "string" ? version["name"] : undefined
  const protocol = typeof version?.["protocol"] === "number" ? version["protocol"] : undefined
  const ranges = versionName === undefined ? [] : coveredProtocols(versionName)
  return {
    raw,
    body,
    protocol,
    covers: (p) => rangesCover(ranges, p),
    memo: undefined
  }
}

/**
 * What the config adds to a backend response. Built once per config change and server
 * (StatusService), so its identity keys the render memo.
 */
export interface Overrides {
  /** The server's `[motd.online]`, with its favicon already resolved to a data URI. */
  readonly online: MotdEntry | undefined
  readonly onlineFavicon: string | undefined
  /** Used when neither the override nor the backend has a favicon. */
  readonly defaultFavicon: string | undefined
}

/** The response after `[motd.online]` and the default favicon are applied (a new object). */
export const applyOverrides = (body: Json, overrides: Overrides): Json => {
  const out: Json = { ...body }
  const online = overrides.online
  if (online !== undefined) {
    out["description"] = descriptionOf(online.text)
    if (online.versionName !== undefined) out["version"] = { ...(Predicate.isObject(body["version"]) ? body["version"] : {}), name: online.versionName }
    if (online.maxPlayers !== undefined) out["players"] = { ...(Predicate.isObject(body["players"]) ? body["players"] : {}), max: online.maxPlayers }
  }
  if (overrides.onlineFavicon !== undefined) out["favicon"] = overrides.onlineFavicon
  else if (typeof out["favicon"] !== "string" && overrides.defaultFavicon !== undefined) out["favicon"] = overrides.defaultFavicon
  return out
}

const withProtocol = (body: Json, protocol: number): Json => ({
  ...body,
  version: { ...(Predicate.isObject(body["version"]) ? body["version"] : {}), protocol }
})

/** The memo key of `protocol`: its own number when rewritten, else one shared slot. */
const AS_SENT = Number.NaN

/** The JSON a client with `clientProtocol` gets from this snapshot. */
export const renderStatus = (snapshot: StatusSnapshot, clientProtocol: number, overrides: Overrides): string => {
  const rewrite = snapshot.covers(clientProtocol) && snapshot.protocol !== clientProtocol
  const slot = rewrite ? clientProtocol : AS_SENT
  let memo = snapshot.memo
  if (memo === undefined || memo.overrides !== overrides) snapshot.memo = memo = { overrides, byProtocol: new Map() }
  const known = memo.byProtocol.get(slot)
  if (known !== undefined) return known
  const body = applyOverrides(snapshot.body, overrides)
  const shaped = rewrite ? withProtocol(body, clientProtocol) : body
  const json = fitting(shaped, snapshot, clientProtocol, rewrite)
  memo.byProtocol.set(slot, json)
  return json
}

/** The reply as JSON, within the packet's string limit. */
const fitting = (shaped: Json, snapshot: StatusSnapshot, clientProtocol: number, rewrite: boolean): string => {
  const json = JSON.stringify(shaped)
  if (json.length <= MAX_STATUS_JSON_CHARS) return json
  const { favicon: _dropped, ...rest } = shaped
  const smaller = JSON.stringify(rest)
  if (smaller.length <= MAX_STATUS_JSON_CHARS) return smaller
  if (!rewrite) return snapshot.raw
  const plain = JSON.stringify(withProtocol(snapshot.body, clientProtocol))
  return plain.length <= MAX_STATUS_JSON_CHARS ? plain : snapshot.raw
}
