/**
 * Login Success (clientbound 0x02 in the login state): the profile the player plays as. The
 * proxy sends it to clients it authenticated itself, and reads it from backends it logs in to.
 *
 * | protocol  | releases        | fields                                                        |
 * |-----------|-----------------|---------------------------------------------------------------|
 * | 4         | 1.7.2 – 1.7.5   | UUID as String(32) without dashes, name                       |
 * | 5 – 734   | 1.7.6 – 1.15.2  | UUID as String(36) with dashes, name                          |
 * | 735 – 758 | 1.16 – 1.18.2   | UUID (16 bytes), name                                         |
 * | 759 – 765 | 1.19 – 1.20.4   | UUID, name, properties                                        |
 * | 766 – 767 | 1.20.5 – 1.21.1 | UUID, name, properties, bool strict_error_handling            |
 * | ≥ 768     | 1.21.2 +        | UUID, name, properties                                        |
 *
 * A property is `String name, String value, optional String signature`. From 1.20.5 vanilla
 * bounds them (`ByteBufCodecs.GAME_PROFILE_PROPERTIES`): at most 16 properties, names of 64 chars,
 * signatures of 1024; before that each string is only bounded by `String`'s 32767. Checked
 * against minecraft-data 3.117.0 `packet_success` for every release minecraft-protocol supports
 * (test/protocol/LoginCrossCheck.test.ts), and Velocity/BungeeCord for the 1.7.2 and 1.16 gates.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Login_Success
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import { type FrameBounds, MAX_FRAME_LENGTH } from "./Frame.ts"
import type { ProfileProperty } from "./GameProfile.ts"
import { MAX_PLAYER_NAME_CHARS } from "./LoginStart.ts"
import { malformed, type ProtocolError, tooLarge } from "./ProtocolError.ts"
import { decodePacket, type PacketReader } from "./PacketReader.ts"
import { PROTOCOL_1_16, PROTOCOL_1_19, PROTOCOL_1_20_5, PROTOCOL_1_21_2, PROTOCOL_1_7_6 } from "./ProtocolVersion.ts"
import { MAX_STRING_CHARS, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { canonicalUuid, UUID_BYTES, uuidFromBytes, uuidToBytes } from "./Uuid.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_SUCCESS_PACKET_ID = 0x02

/** 1.20.5+ (`ByteBufCodecs.MAX_PROPERTIES`): more properties and the client disconnects. */
export const MAX_PROFILE_PROPERTIES = 16
/** 1.20.5+ (`MAX_PROPERTY_NAME_LENGTH`). */
export const MAX_PROPERTY_NAME_CHARS = 64
/** Every release (`MAX_PROPERTY_VALUE_LENGTH`, and `readUtf()` before 1.20.5). */
export const MAX_PROPERTY_VALUE_CHARS = MAX_STRING_CHARS
/** 1.20.5+ (`MAX_PROPERTY_SIGNATURE_LENGTH`). */
export const MAX_PROPERTY_SIGNATURE_CHARS = 1024

export interface LoginSuccess {
  /** Canonical lower-case dashed UUID (dashed or undashed accepted when encoding). */
  readonly uuid: string
  readonly username: string
  /** Sent from 1.19 (protocol 759); dropped for older clients, which get skins from the player list. */
  readonly properties: ReadonlyArray<ProfileProperty>
  /**
   * 1.20.5–1.21.1 only: whether the client disconnects on a packet it cannot handle. Encoded as
   * `true` when absent (Infrarust's choice); decoded only for layouts that carry it.
   */
  readonly strictErrorHandling?: boolean
}

export interface DecodedLoginSuccess extends LoginSuccess, FrameBounds {}

export interface LoginSuccessLayout {
  readonly uuid: "Undashed" | "Dashed" | "Binary"
  readonly properties: "None" | "Unbounded" | "Bounded"
  readonly strictErrorHandling: boolean
}

export const loginSuccessLayout = (protocolVersion: number): LoginSuccessLayout => ({
  uuid: protocolVersion < PROTOCOL_1_7_6 ? "Undashed" : protocolVersion < PROTOCOL_1_16 ? "Dashed" : "Binary",
  properties: protocolVersion < PROTOCOL_1_19 ? "None" : protocolVersion < PROTOCOL_1_20_5 ? "Unbounded" : "Bounded",
  strictErrorHandling: protocolVersion >= PROTOCOL_1_20_5 && protocolVersion < PROTOCOL_1_21_2
})

interface PropertyLimits {
  readonly count: number
  readonly name: number
  readonly signature: number
}

const limitsOf = (layout: LoginSuccessLayout): PropertyLimits =>
  layout.properties === "Bounded"
    ? { count: MAX_PROFILE_PROPERTIES, name: MAX_PROPERTY_NAME_CHARS, signature: MAX_PROPERTY_SIGNATURE_CHARS }
    : { count: Number.MAX_SAFE_INTEGER, name: MAX_STRING_CHARS, signature: MAX_STRING_CHARS }

const UUID_STRING_CHARS = { Undashed: 32, Dashed: 36 } as const

const stringBytes = (chars: number): number => VARINT_MAX_BYTES + chars * MAX_UTF8_BYTES_PER_CHAR

/**
 * Longest Login Success frame (packet id + fields). Unbounded property lists (1.19–1.20.4) can
 * only be bounded by the frame itself.
 */
export const maxLoginSuccessFrameLength = (protocolVersion: number): number => {
  const layout = loginSuccessLayout(protocolVersion)
  if (layout.properties === "Unbounded") return MAX_FRAME_LENGTH
  const uuid = layout.uuid === "Binary" ? UUID_BYTES : stringBytes(UUID_STRING_CHARS[layout.uuid])
  const property = stringBytes(MAX_PROPERTY_NAME_CHARS) + stringBytes(MAX_PROPERTY_VALUE_CHARS) + 1 +
    stringBytes(MAX_PROPERTY_SIGNATURE_CHARS)
  const properties = layout.properties === "Bounded" ? VARINT_MAX_BYTES + MAX_PROFILE_PROPERTIES * property : 0
  return VARINT_MAX_BYTES + uuid + stringBytes(MAX_PLAYER_NAME_CHARS) + properties + (layout.strictErrorHandling ? 1 : 0)
}

const readUuid = (r: PacketReader, layout: LoginSuccessLayout): string => {
  if (layout.uuid === "Binary") return r.uuid("uuid")
  const text = r.string(UUID_STRING_CHARS[layout.uuid], "uuid")
  const uuid = canonicalUuid(text)
  if (uuid === undefined) r.fail(malformed("login_success.uuid", `not a UUID: ${JSON.stringify(text)}`))
  return uuid ?? ""
}

const readProperties = (r: PacketReader, limits: PropertyLimits): ReadonlyArray<ProfileProperty> => {
  const count = r.varInt("properties.count")
  if (count < 0) r.fail(malformed("login_success.properties.count", `negative count ${count}`))
  if (count > limits.count) r.fail(tooLarge("login_success.properties.count", `${count} properties, limit ${limits.count}`))
  const properties: Array<ProfileProperty> = []
  // A property takes at least 3 bytes (two empty strings and a bool): a count the payload cannot
  // hold ends the loop when the bytes do, not after `count` placeholder reads.
  for (let i = 0; i < count && r.remaining >= 3 && !r.failed; i++) {
    const name = r.string(limits.name, "properties.name")
    const value = r.string(MAX_PROPERTY_VALUE_CHARS, "properties.value")
    const signature = r.bool("properties.has_signature") ? r.string(limits.signature, "properties.signature") : undefined
    properties.push(signature === undefined ? { name, value } : { name, value, signature })
  }
  if (properties.length < count && count <= limits.count) r.fail(malformed("login_success.properties", "runs past the end of the packet"))
  return properties
}

/** Decodes a Login Success frame in the layout of `protocolVersion`; the UUID comes back canonical. */
export const decodeLoginSuccess = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<DecodedLoginSuccess> => {
  const layout = loginSuccessLayout(protocolVersion)
  const max = maxLoginSuccessFrameLength(protocolVersion)
  return decodePacket(bytes, offset, max, "login_success", (r, packetId): LoginSuccess | ProtocolError => {
    if (packetId !== LOGIN_SUCCESS_PACKET_ID) {
      return malformed("login_success.packet_id", `expected 0x02, got 0x${packetId.toString(16)}`)
    }
    const uuid = readUuid(r, layout)
    const username = r.string(MAX_PLAYER_NAME_CHARS, "username")
    const properties = layout.properties === "None" ? [] : readProperties(r, limitsOf(layout))
    return layout.strictErrorHandling
      ? { uuid, username, properties, strictErrorHandling: r.bool("strict_error_handling") }
      : { uuid, username, properties }
  })
}

const writeUuid = (w: ByteWriter, uuid: string, layout: LoginSuccessLayout): void => {
  const raw = uuidToBytes(uuid)
  if (raw === undefined) {
    w.fail(malformed("login_success.uuid", `not a UUID: ${JSON.stringify(uuid)}`))
  } else if (layout.uuid === "Binary") {
    w.bytes(raw)
  } else {
    const dashed = uuidFromBytes(raw, 0)
    w.string(layout.uuid === "Dashed" ? dashed : dashed.replaceAll("-", ""), UUID_STRING_CHARS[layout.uuid], "login_success.uuid")
  }
}

const writeProperties = (w: ByteWriter, properties: ReadonlyArray<ProfileProperty>, limits: PropertyLimits): void => {
  if (properties.length > limits.count) {
    w.fail(tooLarge("login_success.properties", `${properties.length} properties, limit ${limits.count}`))
    return
  }
  w.varInt(properties.length)
  for (const p of properties) {
    w.string(p.name, limits.name, "login_success.properties.name")
      .string(p.value, MAX_PROPERTY_VALUE_CHARS, "login_success.properties.value")
      .bool(p.signature !== undefined)
    if (p.signature !== undefined) w.string(p.signature, limits.signature, "login_success.properties.signature")
  }
}

/**
 * Encodes a Login Success frame in the layout of `protocolVersion`. Properties are dropped before
 * 1.19; from 1.20.5 more than 16 of them, a name over 64 chars or a signature over 1024 is
 * TooLarge (the client would refuse the packet).
 */
export const encodeLoginSuccess = (success: LoginSuccess, protocolVersion: number): Encoded => {
  const layout = loginSuccessLayout(protocolVersion)
  const w = new ByteWriter(64).varInt(LOGIN_SUCCESS_PACKET_ID)
  writeUuid(w, success.uuid, layout)
  w.string(success.username, MAX_PLAYER_NAME_CHARS, "login_success.username")
  if (layout.properties !== "None") writeProperties(w, success.properties, limitsOf(layout))
  if (layout.strictErrorHandling) w.bool(success.strictErrorHandling ?? true)
  return w.finishFrame(maxLoginSuccessFrameLength(protocolVersion))
}
