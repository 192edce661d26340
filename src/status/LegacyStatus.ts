/**
 * Replies to server-list pings from pre-1.7 clients (Beta 1.8, 1.4/1.5, 1.6), in the format
 * the client asked for: `motd§online§max` for Beta, `§1\0protocol\0version\0motd\0online\0max`
 * for 1.4 and later. The socket is closed after the reply (ConnectionHandler).
 *
 * The content comes from the same place as a modern client's (StatusService): the status
 * cache, or the MOTD config. No ping bytes are relayed to a backend (Infrarust replays the
 * raw 1.6 ping on every ping, which lets legacy pings flood it).
 *
 * The protocol field is {@link LEGACY_INCOMPATIBLE_PROTOCOL}, as vanilla 1.7+ servers send:
 * this proxy cannot log a pre-1.7 client in, so the list shows the version in red instead
 * of inviting a join that would fail.
 */
import { Predicate } from "effect"
import { encodeLegacyPingReply, type LegacyPingReply } from "../protocol/LegacyKick.ts"
import type { LegacyPingRequest } from "../protocol/LegacyPing.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { stripCodes, toLegacyText } from "./LegacyText.ts"
import { descriptionOf } from "./Motd.ts"

/** What vanilla 1.7+ servers put in a legacy reply ("incompatible" for every old client). */
export const LEGACY_INCOMPATIBLE_PROTOCOL = 127

export interface LegacyView {
  /** Legacy text with `§` codes. */
  readonly motd: string
  readonly versionName: string
  readonly onlinePlayers: number
  readonly maxPlayers: number
}

const int = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0)

/** The legacy view of a modern status response (after overrides). */
export const legacyViewOfBody = (body: Record<string, unknown>, fallbackVersion: string): LegacyView => {
  const version = Predicate.isObject(body["version"]) ? body["version"] : {}
  const players = Predicate.isObject(body["players"]) ? body["players"] : {}
  return {
    motd: toLegacyText(body["description"] ?? ""),
    versionName: typeof version["name"] === "string" ? version["name"] : fallbackVersion,
    onlinePlayers: int(players["online"]),
    maxPlayers: int(players["max"])
  }
}

/** The legacy view of a configured MOTD text (legacy `§` text or a JSON text component). */
export const legacyMotdText = (text: string): string => toLegacyText(descriptionOf(text))

/** The reply bytes for `request` (an 0xFF kick packet). */
export const encodeLegacyReply = (request: LegacyPingRequest, view: LegacyView): Uint8Array => {
  const reply: LegacyPingReply = request._tag === "Beta"
    ? { _tag: "Beta", motd: stripCodes(view.motd), onlinePlayers: view.onlinePlayers, maxPlayers: view.maxPlayers }
    : {
      _tag: "V1_4",
      protocolVersion: LEGACY_INCOMPATIBLE_PROTOCOL,
      serverVersion: view.versionName,
      motd: view.motd,
      onlinePlayers: view.onlinePlayers,
      maxPlayers: view.maxPlayers
    }
  const encoded = encodeLegacyPingReply(reply)
  return isEncodedBytes(encoded) ? encoded : new Uint8Array(0)
}
