/**
 * The Minecraft bytes the bench sends, built once with the project's own encoders
 * (src/protocol) and handed to the load generator and the backend as hex, so those
 * processes stay free of Effect (src/protocol's errors are Effect Schema classes).
 *
 * A client speaks protocol 769 (1.21.4) to `bench.local`; what happens after Login Start is
 * chosen by the player name (see backend.ts).
 */
import { isEncodedBytes, type Encoded } from "../../src/protocol/ByteWriter.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { encodePingRequest, encodeStatusRequest, encodeStatusResponse } from "../../src/protocol/Status.ts"

export const PROTOCOL = 769
export const DOMAIN = "bench.local"
const UUID = "8667ba71-b85a-4004-af54-457a9734eed7"

const bytes = (e: Encoded): Uint8Array => {
  if (!isEncodedBytes(e)) throw new Error(`bench frame: ${e.message}`)
  return e
}
const hex = (...parts: Array<Uint8Array>): string => Buffer.concat(parts).toString("hex")

const handshake = (next: 1 | 2) =>
  bytes(encodeHandshake({ protocolVersion: PROTOCOL, serverAddress: DOMAIN, serverPort: 25565, nextState: next }))

/** Handshake + Login Start with `name` (≤ 16 chars) + optional bytes, as hex. */
export const loginHello = (name: string, extra: Uint8Array = new Uint8Array(0)): string =>
  hex(handshake(NextState.Login), bytes(encodeLoginStart({ name, uuid: UUID }, PROTOCOL)), extra)

/** Handshake (status) + Status Request + Ping, as one write, as hex. */
export const statusHello = (): string => hex(handshake(NextState.Status), encodeStatusRequest(), encodePingRequest(0x1234n))

/** The backend's server-list JSON. */
export const BACKEND_STATUS_JSON = JSON.stringify({
  version: { name: "1.21.4", protocol: PROTOCOL },
  players: { max: 1000, online: 0, sample: [] },
  description: { text: "infrarust-ts bench backend" },
  enforcesSecureChat: false
})

/** The backend's Status Response frame, as hex. */
export const statusResponseHex = (): string => hex(bytes(encodeStatusResponse(BACKEND_STATUS_JSON)))
