/**
 * Reading what the client opens with, under `[limits] first_packet_timeout` (the slowloris
 * bound): a modern handshake or a legacy server-list ping (see FirstPacket.ts).
 *
 * A bare `FE` (Beta 1.8) or `FE 01` (1.4/1.5) can be the start of a longer 1.6 ping, so we
 * wait up to {@link LEGACY_SETTLE} for more before answering it as what it is so far —
 * vanilla servers do the same.
 */
import { Duration, Effect } from "effect"
import { traced } from "../observability/Tracing.ts"
import { MAX_HANDSHAKE_FRAME_LENGTH } from "../protocol/Handshake.ts"
import { firstPacketDecoder, legacyFallback, settleLegacyPing } from "./FirstPacket.ts"
import { type Inbound, nextOr, nextWithin, takePending } from "../socket/Inbound.ts"

/** How long a legacy ping may take to show whether (and what) more is coming. */
const LEGACY_SETTLE = Duration.millis(150)

/** Enough for the longest handshake plus a login start that arrived in the same segment. */
const MAX_FIRST_BYTES = MAX_HANDSHAKE_FRAME_LENGTH + 8 * 1024

const afterNothing = firstPacketDecoder(false)
const afterProxyHeader = firstPacketDecoder(true)

export const readFirstPacket = Effect.fnUntraced(function*(
  inbound: Inbound,
  timeout: Duration.Duration,
  /** A PROXY header was read first (receive_proxy_protocol). */
  proxied = false
) {
  const decode = proxied ? afterProxyHeader : afterNothing
  const first = yield* nextWithin(inbound, "handshake", decode, MAX_FIRST_BYTES, timeout)
  if (first._tag !== "LegacyUndecided") return first
  const more = yield* nextOr(inbound, "legacy ping", settleLegacyPing, MAX_FIRST_BYTES, LEGACY_SETTLE, () => Effect.succeed(undefined)).pipe(
    Effect.option
  )
  if (more._tag === "Some" && more.value !== undefined) return more.value
  // Nothing more came, or the 1.6 part is not standard: answer what the first bytes ask for.
  return legacyFallback(takePending(inbound), 0)
}, traced("proxy.handshake"))
