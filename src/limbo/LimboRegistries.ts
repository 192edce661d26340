/**
 * Registries captured from real backends, per protocol version, for the limbo's configuration
 * phase (1.20.2+): a backend of the same version describes the world exactly as its clients
 * expect it, better than the generated data of LimboData (which minecraft-data may lag).
 *
 * The session loop hands over what a backend sent in its configuration phase
 * (`record(protocol, packets)`, the hook `onConfigurationFrames`); only Registry Data and Update
 * Tags are kept, the last capture per protocol wins. A 1.20.5+ capture whose entries rely on the
 * player's own `minecraft:core` pack (the backend was talking to a vanilla client) is marked so,
 * and the limbo uses it only for players that know that pack.
 */
import { Context, Effect, Layer, Option } from "effect"
import { packetName } from "../protocol/PacketIds.ts"
import { isProtocolError } from "../protocol/ProtocolError.ts"
import type { OutPacket } from "../protocol/TextPackets.ts"
import type { CapturedRegistries } from "./LimboConnection.ts"
import { registryNeedsCorePack } from "./LimboPackets.ts"

const PROTOCOL_SEGMENTED_REGISTRIES = 766

export class LimboRegistries extends Context.Service<LimboRegistries, {
  /**
   * Keeps the Registry Data and Update Tags among `packets` (clientbound configuration packets
   * of `protocol`, uncompressed `{ id, payload }`; copied, so callers may reuse their buffers).
   * A capture without Registry Data, or one that cannot be read, is ignored.
   */
  readonly record: (protocol: number, packets: ReadonlyArray<OutPacket>) => Effect.Effect<void>
  readonly lookup: (protocol: number) => Effect.Effect<Option.Option<CapturedRegistries>>
  /** The same lookup, synchronous, for the limbo's data plane. */
  readonly peek: (protocol: number) => CapturedRegistries | undefined
  /** `record`, synchronous and silent, for the session loop's capture hook; false when nothing was kept. */
  readonly remember: (protocol: number, packets: ReadonlyArray<OutPacket>) => boolean
}>()("infrarust/limbo/LimboRegistries") {
  static readonly layer = Layer.sync(LimboRegistries, () => {
    const captured = new Map<number, CapturedRegistries>()
    return LimboRegistries.of({
      record: (protocol, packets) =>
        Effect.gen(function*() {
          const kept = capture(protocol, packets)
          if (kept === undefined) return yield* Effect.logDebug(`limbo: configuration of protocol ${protocol} has no usable registries`)
          captured.set(protocol, kept)
        }),
      lookup: (protocol) => Effect.sync(() => Option.fromUndefinedOr(captured.get(protocol))),
      peek: (protocol) => captured.get(protocol),
      remember: (protocol, packets) => {
        const kept = capture(protocol, packets)
        if (kept !== undefined) captured.set(protocol, kept)
        return kept !== undefined
      }
    })
  })
}

/** The registry packets of a capture, or undefined when there are none or one is unreadable. */
export const capture = (protocol: number, packets: ReadonlyArray<OutPacket>): CapturedRegistries | undefined => {
  const kept: Array<OutPacket> = []
  let needsCorePack = false
  for (const p of packets) {
    const name = packetName(protocol, "configuration", "clientbound", p.id)
    if (name !== "registry_data" && name !== "tags") continue
    if (name === "registry_data" && protocol >= PROTOCOL_SEGMENTED_REGISTRIES) {
      const needs = registryNeedsCorePack(p.payload)
      if (isProtocolError(needs)) return undefined
      needsCorePack ||= needs
    }
    kept.push({ id: p.id, payload: Uint8Array.from(p.payload) })
  }
  return kept.some((p) => packetName(protocol, "configuration", "clientbound", p.id) === "registry_data") ? { packets: kept, needsCorePack } : undefined
}
