/**
 * Server-list pings from pre-1.7 clients (Beta 1.8, 1.4/1.5, 1.6).
 *
 * A 1.6 ping names its host, so it can be routed: its bytes are replayed to the backend (no
 * PROXY header — a pre-Netty server would not understand one) and the backend's 0xFF reply is
 * relayed verbatim. Older pings, unknown hosts and backends that do not answer get a reply
 * built from the MOTD config, in the format the client asked for; then the socket is closed.
 */
import { Duration, Effect } from "effect"
import { dial } from "../backend/BackendDialer.ts"
import { makeBackendReader, readFromBackend } from "../backend/BackendReader.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { connectTimeoutOf } from "../config/ServerConfig.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { decodeLegacyKick, encodeLegacyKick, encodeLegacyPingReply, type LegacyPingReply } from "../protocol/LegacyKick.ts"
import type { LegacyPingRequest } from "../protocol/LegacyPing.ts"
import { NEWEST_KNOWN_PROTOCOL, nameOf } from "../protocol/ProtocolVersion.ts"
import { DEFAULT_STATE_TEXT, motdEntry, UNKNOWN_DOMAIN_TEXT } from "./Motd.ts"

/** Longest legacy kick we relay: u8 id + u16 length + 32767 UTF-16 code units. */
const MAX_LEGACY_REPLY_BYTES = 3 + 2 * 32767

/** Relays the raw ping to the first backend that answers; the reply bytes, verbatim. */
export const relayLegacyPing = Effect.fn("proxy.legacy_ping_relay")(function*(
  server: LoadedServer,
  raw: Uint8Array,
  config: ProxyConfig
) {
  const connectTimeout = connectTimeoutOf(server.config, config.connectTimeout)
  const attempts = server.config.addresses.map((target) =>
    Effect.gen(function*() {
      const link = yield* dial({ host: target.host, port: target.port, address: target.text, connectTimeout })
      link.socket.write(raw)
      const reader = makeBackendReader(link)
      const start = reader.pending
      void start
      const kick = yield* readFromBackend(reader, "legacy ping reply", decodeLegacyKick, MAX_LEGACY_REPLY_BYTES)
      return encodeLegacyKick(kick.text)
    }).pipe(Effect.scoped)
  )
  return yield* Effect.firstSuccessOf(attempts).pipe(
    Effect.timeoutOption(config.limits.statusTimeout),
    Effect.map((o) => (o._tag === "Some" && isEncodedBytes(o.value) ? o.value : undefined)),
    Effect.orElseSucceed(() => undefined)
  )
})

/** A reply from the MOTD config, shaped like the request. */
export const syntheticLegacyReply = (
  request: LegacyPingRequest,
  server: LoadedServer | undefined,
  config: ProxyConfig,
  onlinePlayers: number,
  state: "online" | "unreachable"
): Uint8Array => {
  const entry = server === undefined ? config.defaultMotd?.online : motdEntry(state, server.config.motd, config.defaultMotd)
  const motd = entry?.text ?? (server === undefined ? UNKNOWN_DOMAIN_TEXT : DEFAULT_STATE_TEXT[state])
  const maxPlayers = entry?.maxPlayers ?? server?.config.maxPlayers ?? 0
  const reply: LegacyPingReply = request._tag === "Beta"
    ? { _tag: "Beta", motd, onlinePlayers, maxPlayers }
    : {
      _tag: "V1_4",
      // The 1.6 client tells us its protocol; answering with it makes the entry look compatible.
      protocolVersion: request._tag === "V1_6" ? request.protocolVersion : 127,
      serverVersion: entry?.versionName ?? nameOf(NEWEST_KNOWN_PROTOCOL) ?? "infrarust-ts",
      motd,
      onlinePlayers,
      maxPlayers
    }
  const encoded = encodeLegacyPingReply(reply)
  return isEncodedBytes(encoded) ? encoded : new Uint8Array(0)
}

export const LEGACY_RELAY_BUDGET = Duration.seconds(5)
