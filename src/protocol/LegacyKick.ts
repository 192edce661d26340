/**
 * The pre-Netty Kick packet (0xFF + legacy string), which is how a server answers a legacy ping
 * and how it refuses a pre-1.7 login. Two ping-reply formats exist:
 *
 * - Beta 1.8 – 1.3: `motd§online§max`
 * - 1.4 and later:  `§1\0protocol\0version\0motd\0online\0max`
 *
 * Invariant: encoded replies always parse back. The encoder removes the separator characters
 * from free-text fields (`§` from a Beta MOTD, NUL from 1.4 fields) rather than emit a reply
 * the client would split in the wrong place.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { type Decode, done, needMore } from "./Decode.ts"
import { MAX_LEGACY_STRING_CHARS, readLegacyString } from "./LegacyString.ts"
import { malformed } from "./ProtocolError.ts"

export const LEGACY_KICK_PACKET_ID = 0xff

/** The kick string's u16 length prefix is its only bound. */
export const MAX_LEGACY_KICK_CHARS = MAX_LEGACY_STRING_CHARS

const SECTION = "§"
/** `§1` + NUL opens a 1.4+ reply. */
const V1_4_PREFIX = "§1\0"

export type LegacyPingReply =
  | {
    readonly _tag: "Beta"
    readonly motd: string
    readonly onlinePlayers: number
    readonly maxPlayers: number
  }
  | {
    readonly _tag: "V1_4"
    /** Vanilla 1.7+ servers send 127 here, which old clients show as "incompatible". */
    readonly protocolVersion: number
    readonly serverVersion: string
    readonly motd: string
    readonly onlinePlayers: number
    readonly maxPlayers: number
  }

export interface LegacyKick {
  /** The kick string as sent. */
  readonly text: string
  /** The ping reply it holds, or `undefined` for a plain kick message. */
  readonly reply: LegacyPingReply | undefined
}

/** The string a reply is sent as, with separators removed from its free-text fields. */
export const legacyReplyText = (reply: LegacyPingReply): string =>
  reply._tag === "Beta"
    ? [reply.motd.replaceAll(SECTION, ""), int(reply.onlinePlayers), int(reply.maxPlayers)].join(SECTION)
    : V1_4_PREFIX + [
      int(reply.protocolVersion),
      reply.serverVersion.replaceAll("\0", ""),
      reply.motd.replaceAll("\0", ""),
      int(reply.onlinePlayers),
      int(reply.maxPlayers)
    ].join("\0")

/** Encodes a kick carrying a ping reply. */
export const encodeLegacyPingReply = (reply: LegacyPingReply): Encoded => encodeLegacyKick(legacyReplyText(reply))

/** Encodes a kick with any text (e.g. "Outdated client" for a pre-1.7 login). */
export const encodeLegacyKick = (text: string): Encoded =>
  new ByteWriter(3 + 2 * text.length)
    .u8(LEGACY_KICK_PACKET_ID)
    .legacyString(text, MAX_LEGACY_KICK_CHARS, "legacy_kick.text")
    .finish()

/** Decodes a kick at `offset` and recognises a ping reply in it when there is one. */
export const decodeLegacyKick = (bytes: Uint8Array, offset: number): Decode<LegacyKick> => {
  if (offset >= bytes.length) return needMore
  if (bytes[offset] !== LEGACY_KICK_PACKET_ID) return malformed("legacy_kick", "does not start with 0xFF")
  const text = readLegacyString(bytes, offset + 1, MAX_LEGACY_KICK_CHARS, "legacy_kick.text")
  if (text._tag !== "Done") return text
  return done({ text: text.value, reply: parseLegacyReply(text.value) }, text.offset)
}

/** Recognises either reply format; `undefined` when the text is neither. */
export const parseLegacyReply = (text: string): LegacyPingReply | undefined => {
  if (text.startsWith(V1_4_PREFIX)) {
    const f = text.slice(V1_4_PREFIX.length).split("\0")
    if (f.length !== 5) return undefined
    const [protocol, serverVersion, motd, online, max] = f as [string, string, string, string, string]
    const protocolVersion = parseInt32(protocol)
    const onlinePlayers = parseInt32(online)
    const maxPlayers = parseInt32(max)
    if (protocolVersion === undefined || onlinePlayers === undefined || maxPlayers === undefined) return undefined
    return { _tag: "V1_4", protocolVersion, serverVersion, motd, onlinePlayers, maxPlayers }
  }
  // The MOTD is everything before the last two separators: servers do put § codes in it.
  const last = text.lastIndexOf(SECTION)
  const middle = last > 0 ? text.lastIndexOf(SECTION, last - 1) : -1
  if (middle < 0) return undefined
  const onlinePlayers = parseInt32(text.slice(middle + 1, last))
  const maxPlayers = parseInt32(text.slice(last + 1))
  if (onlinePlayers === undefined || maxPlayers === undefined) return undefined
  return { _tag: "Beta", motd: text.slice(0, middle), onlinePlayers, maxPlayers }
}

const INT32 = /^-?\d{1,10}$/

const parseInt32 = (s: string): number | undefined => {
  if (!INT32.test(s)) return undefined
  const n = Number(s)
  return n >= -2147483648 && n <= 2147483647 ? n : undefined
}

/** Numbers go out as Java's `%d` would print an int. */
const int = (n: number): string => String(Math.trunc(n) | 0)
