/**
 * Whether the bytes a new connection sent so far hold its whole first unit (pure): a PROXY
 * header, a handshake frame, or the start of a pre-1.7 ping. The arrival gate
 * (ArrivalGate.ts) holds a connection in plain Node until then, so a slowloris connection that
 * trickles a few bytes costs no fiber, scope or span: only its socket and the bytes it sent.
 *
 * It only says "enough to decide": whether the unit is valid is the pipeline's business
 * (FirstPacket.ts), so malformed or oversized openings are "ready" at once and rejected there.
 */
import { matchSignature } from "../proxy-protocol/ProxyHeader.ts"
import { MAX_V1_LINE_LENGTH, V1_SIGNATURE } from "../proxy-protocol/ProxyHeaderV1.ts"
import { V2_SIGNATURE } from "../proxy-protocol/ProxyHeaderV2.ts"
import { decodeVarInt } from "../protocol/VarInt.ts"

/** Past this many bytes the pipeline decodes as the rest arrives (a large BungeeCord-style host). */
export const MAX_HELD_BYTES = 4096
const LEGACY_PING = 0xfe
/** Signature, version/command, family, 2-byte length. */
const V2_FIXED = 16
const LF = 0x0a

const v1Ready = (bytes: Uint8Array): boolean => bytes.indexOf(LF) >= 0 || bytes.length >= MAX_V1_LINE_LENGTH

const v2Ready = (bytes: Uint8Array): boolean =>
  bytes.length >= V2_FIXED && bytes.length >= V2_FIXED + ((bytes[14]! << 8) | bytes[15]!)

const frameReady = (bytes: Uint8Array): boolean => {
  const length = decodeVarInt(bytes, 0)
  if (length._tag === "NeedMore") return false
  if (length._tag !== "Done") return true
  return bytes.length >= length.offset + length.value
}

export const firstFrameReady = (bytes: Uint8Array): boolean => {
  if (bytes.length === 0) return false
  if (bytes.length >= MAX_HELD_BYTES || bytes[0] === LEGACY_PING) return true
  const v1 = matchSignature(bytes, 0, V1_SIGNATURE)
  if (v1 === "match") return v1Ready(bytes)
  const v2 = matchSignature(bytes, 0, V2_SIGNATURE)
  if (v2 === "match") return v2Ready(bytes)
  if (v1 === "partial" || v2 === "partial") return false
  return frameReady(bytes)
}
