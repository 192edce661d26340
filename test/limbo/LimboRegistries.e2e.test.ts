/**
 * Registries captured from a backend: what is kept, and that the limbo prefers a capture when it
 * suits the player (a real minecraft-protocol client, which knows no data pack) and falls back to
 * the generated registries when it does not (a keys-only capture needs `minecraft:core`).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Option, Queue } from "effect"
import { limboData } from "../../src/limbo/LimboData.ts"
import { LimboRegistries } from "../../src/limbo/LimboRegistries.ts"
import { packetId } from "../../src/protocol/PacketIds.ts"
import { joinLimbo, TestLimbo, testLimboLayer } from "./support.ts"

const request = () => Effect.succeed({ handlers: [], entry: { _tag: "InitialConnection", target: "lobby" } as const })
const registryIds = (configuration: ReadonlyArray<{ readonly name: string; readonly data: Record<string, unknown> }>) =>
  configuration.filter((p) => p.name === "registry_data").map((p) => p.data["id"] as string)

layer(testLimboLayer(request), { timeout: 60_000, excludeTestServices: true })("limbo registries", (it) => {
  describe("capture", () => {
    it.effect("keeps Registry Data and tags only, marks keys-only captures, ignores unreadable ones", () =>
      Effect.gen(function*() {
        const registries = yield* LimboRegistries
        const data = limboData(769)!
        const tags = { id: packetId(769, "configuration", "clientbound", "tags")!, payload: Uint8Array.of(0) }
        yield* registries.record(769, [...data.configExtra, ...data.registriesFull, tags])
        const full = Option.getOrThrow(yield* registries.lookup(769))
        assert.isFalse(full.needsCorePack)
        assert.strictEqual(full.packets.length, data.registriesFull.length + 1, "feature flags dropped, tags kept")
        yield* registries.record(769, data.registriesKeys)
        assert.isTrue(Option.getOrThrow(yield* registries.lookup(769)).needsCorePack)
        // A broken Registry Data, or a capture without one, leaves the previous capture in place.
        yield* registries.record(769, [{ id: data.registriesFull[0]!.id, payload: Uint8Array.of(1, 2, 3) }])
        yield* registries.record(769, [tags])
        assert.isTrue(Option.getOrThrow(yield* registries.lookup(769)).needsCorePack)
        assert.isTrue(Option.isNone(yield* registries.lookup(765)))
      }))
  })

  describe("the limbo's choice", () => {
    it.effect("a full capture is sent instead of the generated registries (1.20.6)", () =>
      Effect.gen(function*() {
        const registries = yield* LimboRegistries
        const generated = limboData(766)!.registriesFull
        yield* registries.record(766, generated.slice(0, 3))
        const limbo = yield* TestLimbo
        const player = yield* joinLimbo("1.20.6", limbo.port, "Captured")
        yield* Queue.take(limbo.visits)
        assert.strictEqual(registryIds(player.configuration).length, 3)
      }).pipe(Effect.scoped))

    it.effect("a keys-only capture is not sent to a player that knows no pack: the generated full data is (1.21.1)", () =>
      Effect.gen(function*() {
        const registries = yield* LimboRegistries
        const data = limboData(767)!
        yield* registries.record(767, data.registriesKeys.slice(0, 2))
        const limbo = yield* TestLimbo
        const player = yield* joinLimbo("1.21.1", limbo.port, "FullData")
        yield* Queue.take(limbo.visits)
        const sent = player.configuration.filter((p) => p.name === "registry_data")
        assert.strictEqual(sent.length, data.registriesFull.length)
        assert.isTrue(sent.every((p) => (p.data["entries"] as ReadonlyArray<{ value?: unknown }>).every((e) => e.value !== undefined)))
        assert.include(registryIds(player.configuration), "minecraft:dimension_type")
      }).pipe(Effect.scoped))
  })
})
