/**
 * The Minecraft bytes the bench sends, built once with the test suite's raw client
 * (test/support/RawClient.ts, on the project's own encoders in src/protocol) and handed to
 * the load generator and the backend as hex, so those processes stay free of Effect
 * (src/protocol's errors are Effect Schema classes).
 *
 * A client speaks protocol 769 (1.21.4) to `bench.local`; what happens after Login Start is
 * chosen by the player name (see backend.ts).
 */
import { encodeStatusResponse } from "../../src/protocol/Status.ts"
import { bytesOf, loginBytes, statusBytes } from "../../test/support/RawClient.ts"

export const PROTOCOL = 769
export const DOMAIN = "bench.local"
const UUID = "8667ba71-b85a-4004-af54-457a9734eed7"

const hex = (...parts: Array<Uint8Array>): string => Buffer.concat(parts).toString("hex")

/** Handshake + Login Start with `name` (≤ 16 chars) + optional bytes, as hex. */
export const loginHello = (name: string, extra: Uint8Array = new Uint8Array(0)): string =>
  hex(loginBytes(DOMAIN, name, { protocol: PROTOCOL, uuid: UUID }), extra)

/** Handshake (status) + Status Request + Ping, as one write, as hex. */
export const statusHello = (): string => hex(statusBytes(DOMAIN, { protocol: PROTOCOL, pingPayload: 0x1234n }))

/** The backend's server-list JSON. */
export const BACKEND_STATUS_JSON = JSON.stringify({
  version: { name: "1.21.4", protocol: PROTOCOL },
  players: { max: 1000, online: 0, sample: [] },
  description: { text: "infrarust-ts bench backend" },
  enforcesSecureChat: false
})

/** The backend's Status Response frame, as hex. */
export const statusResponseHex = (): string => hex(bytesOf(encodeStatusResponse(BACKEND_STATUS_JSON)))
