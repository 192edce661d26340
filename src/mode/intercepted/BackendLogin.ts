/**
 * The proxy logging in to a backend for a player, as a client would (reference §2.11.2 step 9):
 * the handshake (carrying BungeeCord or BungeeGuard forwarding, else rewritten per
 * `domain_rewrite`), a Login Start with the player's name and UUID, then the backend's login
 * packets until Login Success:
 *
 * - Set Compression: the backend leg compresses from then on;
 * - a `velocity:player_info` Login Plugin Request: answered with the signed player info when a
 *   Velocity secret is set (also in offline mode, on the first connection, which Infrarust skips),
 *   any other request "not understood", as a vanilla client answers;
 * - Cookie Request (1.20.5+): answered with no cookie, as a client that has none;
 * - Encryption Request: the backend is in online mode, which the intercepted modes cannot use
 *   (the player authenticated with the proxy, not with it) — an error that says so;
 * - Disconnect: the backend refused the player, with its reason.
 *
 * Bounded by {@link BACKEND_LOGIN_TIMEOUT}, as in Infrarust.
 */
import { Duration, Effect, Schema } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { ForwardedPlayer } from "../../forwarding/ForwardedPlayer.ts"
import type { ForwardingPlan } from "../../forwarding/ForwardingSetup.ts"
import { encodeVelocityPlayerInfoResponse, VELOCITY_PLAYER_INFO_CHANNEL } from "../../forwarding/VelocityForwarding.ts"
import { ByteWriter, isEncodedBytes } from "../../protocol/ByteWriter.ts"
import { decodeLoginDisconnect } from "../../protocol/Disconnect.ts"
import { decodeFrame } from "../../protocol/Frame.ts"
import { type DecodedHandshake, NextState } from "../../protocol/Handshake.ts"
import { decodeLoginPluginRequest } from "../../protocol/LoginPluginRequest.ts"
import { encodeLoginPluginResponse } from "../../protocol/LoginPluginResponse.ts"
import { encodeLoginStart } from "../../protocol/LoginStart.ts"
import { decodeLoginSuccess, type LoginSuccess } from "../../protocol/LoginSuccess.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { PacketReader } from "../../protocol/PacketReader.ts"
import { type Encoded } from "../../protocol/ByteWriter.ts"
import { isProtocolError, type ProtocolError } from "../../protocol/ProtocolError.ts"
import { decodeSetCompression } from "../../protocol/SetCompression.ts"
import { MAX_STRING_CHARS } from "../../protocol/Utf8.ts"
import { handshakeToBackend } from "../HandshakeToBackend.ts"
import { asFrame, type LegClosed, type PacketLeg, readPacket } from "./PacketLeg.ts"

export const BACKEND_LOGIN_TIMEOUT = Duration.seconds(30)

/** The backend would not let the player in, or does not speak the login the proxy needs. */
export class BackendLoginRefused extends Schema.TaggedError<BackendLoginRefused>()("BackendLoginRefused", {
  server: Schema.String,
  /** The backend's reason as JSON text, when it sent a Disconnect. */
  reason: Schema.optionalKey(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `backend of '${this.server}' refused the login: ${this.detail}`
  }
}

export interface BackendLoginOptions {
  readonly leg: PacketLeg
  readonly server: LoadedServer
  readonly handshake: DecodedHandshake
  readonly rawHandshake: Uint8Array
  /** The host the client asked for, normalised: what BungeeCord forwarding names when there is no rewrite. */
  readonly host: string
  readonly protocol: number
  readonly table: PacketTable
  readonly player: ForwardedPlayer
  readonly plan: ForwardingPlan
  /** The key that answers `velocity:player_info` (the plan's, or an auto-detected secret file's). */
  readonly velocitySecret: string | undefined
}

export interface BackendLoggedIn {
  /** The backend's compression threshold; negative = none. */
  readonly threshold: number
  readonly success: LoginSuccess
}

const refused = (o: BackendLoginOptions, detail: string, reason?: string) =>
  new BackendLoginRefused({ server: o.server.id, detail, ...(reason === undefined ? {} : { reason }) })

/** `(id, payload)` of an encoded login frame, to queue it through the leg's writer. */
const sendFrame = (leg: PacketLeg, frame: Encoded): ProtocolError | undefined => {
  if (!isEncodedBytes(frame)) return frame
  const decoded = decodeFrame(frame, 0)
  if (decoded._tag !== "Done") return decoded._tag === "ProtocolError" ? decoded : undefined
  return leg.send(decoded.value.packetId, frame.subarray(decoded.value.payloadStart, decoded.value.payloadEnd))
}

export const loginToBackend = (o: BackendLoginOptions): Effect.Effect<BackendLoggedIn, BackendLoginRefused | ProtocolError | LegClosed> =>
  Effect.gen(function*() {
    const leg = o.leg
    const handshake = handshakeToBackend({
      server: o.server,
      handshake: o.handshake,
      raw: o.rawHandshake,
      nextState: NextState.Login,
      host: o.host,
      player: o.player,
      plan: o.plan
    })
    if (!isEncodedBytes(handshake)) return yield* refused(o, `cannot encode the handshake: ${handshake.message}`)
    leg.socket.write(handshake)
    const start = encodeLoginStart({ name: o.player.profile.name, uuid: o.player.profile.id }, o.protocol)
    if (!isEncodedBytes(start)) return yield* refused(o, `cannot encode the login start: ${start.message}`)
    leg.socket.write(start)
    const ids = o.table.login.clientbound.ids
    const serverbound = o.table.login.serverbound.ids
    let threshold = -1
    for (;;) {
      const packet = yield* readPacket(leg, "its login", BACKEND_LOGIN_TIMEOUT)
      const frame = asFrame(packet)
      if (isProtocolError(frame)) return yield* frame
      if (packet.id === ids.compress) {
        const compression = decodeSetCompression(frame, 0, o.protocol)
        if (compression._tag !== "Done") return yield* refused(o, "unreadable Set Compression")
        threshold = compression.value.threshold
        leg.reader.setCompression(threshold)
        leg.writer.setCompression(threshold)
      } else if (packet.id === ids.login_plugin_request) {
        const request = decodeLoginPluginRequest(frame, 0, o.protocol)
        if (request._tag !== "Done") return yield* refused(o, "unreadable Login Plugin Request")
        const velocity = request.value.channel === VELOCITY_PLAYER_INFO_CHANNEL && o.velocitySecret !== undefined
        const answer = velocity
          ? encodeVelocityPlayerInfoResponse(request.value, o.player, o.velocitySecret!, o.protocol)
          : encodeLoginPluginResponse({ messageId: request.value.messageId }, o.protocol)
        const failed = sendFrame(leg, answer)
        if (failed !== undefined) return yield* refused(o, `cannot answer ${request.value.channel}: ${failed.message}`)
      } else if (packet.id === ids.cookie_request && serverbound.cookie_response !== undefined) {
        // Key identifier, then "no payload": a client with no such cookie.
        const key = new PacketReader(packet.payload, "cookie_request").string(MAX_STRING_CHARS, "key")
        const none = new ByteWriter().string(key, MAX_STRING_CHARS, "key").bool(false).finish()
        if (!isEncodedBytes(none) || leg.send(serverbound.cookie_response, none) !== undefined) return yield* refused(o, "cannot answer its cookie request")
      } else if (packet.id === ids.encryption_begin) {
        return yield* refused(o, "it runs in online mode; with proxy_mode client_only or offline the backend needs online-mode=false")
      } else if (packet.id === ids.disconnect) {
        const kick = decodeLoginDisconnect(frame, 0)
        const reason = kick._tag === "Done" ? kick.value.json : undefined
        return yield* refused(o, `it sent a disconnect${reason === undefined ? "" : `: ${reason}`}`, reason)
      } else if (packet.id === ids.success) {
        const success = decodeLoginSuccess(frame, 0, o.protocol)
        if (success._tag !== "Done") return yield* refused(o, "unreadable Login Success")
        return { threshold, success: success.value }
      } else {
        return yield* refused(o, `unexpected login packet 0x${packet.id.toString(16)}`)
      }
    }
  })

/** 1.20.2+: tells the backend the login is acknowledged; it then enters the configuration phase. */
export const acknowledgeBackendLogin = (leg: PacketLeg, table: PacketTable): ProtocolError | undefined => {
  const id = table.login.serverbound.ids.login_acknowledged
  return id === undefined ? undefined : leg.send(id, new Uint8Array(0))
}

export { sendFrame }
