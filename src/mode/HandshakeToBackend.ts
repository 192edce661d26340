/**
 * The handshake a backend receives, in every mode: the client's own bytes when nothing changes
 * them, re-encoded per `domain_rewrite` when the host changes, and with BungeeCord or BungeeGuard
 * forwarding the player's address, UUID and properties appended to the host (reference §2.12).
 * The forwarded host is the rewritten one, else the host as routed (lower case, no FML marker),
 * as Infrarust sends it.
 */
import { backendHandshake } from "../backend/BackendHandshake.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { bungeeCordHost, bungeeGuardHost } from "../forwarding/BungeeCordForwarding.ts"
import type { ForwardedPlayer } from "../forwarding/ForwardedPlayer.ts"
import type { ForwardingPlan } from "../forwarding/ForwardingSetup.ts"
import type { Encoded } from "../protocol/ByteWriter.ts"
import { encodeHandshake, type Handshake } from "../protocol/Handshake.ts"

export const handshakeToBackend = (options: {
  readonly server: LoadedServer
  readonly handshake: Handshake
  readonly raw: Uint8Array
  readonly nextState: Handshake["nextState"]
  /** The host as routed. */
  readonly host: string
  readonly player: ForwardedPlayer
  readonly plan: ForwardingPlan
}): Encoded => {
  const { plan, server } = options
  if (plan._tag !== "BungeeCord" && plan._tag !== "BungeeGuard") {
    return backendHandshake(server.config, options.handshake, options.raw, options.nextState)
  }
  const rewrite = server.config.domainRewrite
  const host = rewrite._tag === "Explicit" ? rewrite.host : rewrite._tag === "FromBackend" ? server.config.addresses[0]?.host ?? options.host : options.host
  const forwarded = plan._tag === "BungeeCord" ? bungeeCordHost(host, options.player) : bungeeGuardHost(host, options.player, plan.token)
  return encodeHandshake({ ...options.handshake, serverAddress: forwarded, nextState: options.nextState })
}
