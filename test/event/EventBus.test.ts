/**
 * The event bus: listener order (priority, then registration), folding of awaited results,
 * isolation of failing, throwing, dying and slow listeners, notifications in the background,
 * subscribers with their own bounded queues (lag counted), and `wants` that makes an event nobody
 * listens to free.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Scope, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import { EventBus, Events } from "../../src/event/EventBus.ts"
import { ALLOWED, type PlayerRef, type PreConnectResult, Priority } from "../../src/event/ProxyEvent.ts"
import { captureLogs } from "../support/LogCapture.ts"

const player: PlayerRef = {
  session: 1,
  name: "alex",
  uuid: undefined,
  identity: "claimed",
  client: "127.0.0.1",
  protocolVersion: 765,
  mode: "passthrough"
}
const preConnect = { _tag: "ServerPreConnect", player, server: "hub", previous: undefined } as const

describe("EventBus", () => {
  it.effect("awaited listeners run by priority, then registration order, each seeing the result so far", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* Events
      const seen: Array<string> = []
      const step = (name: string, result?: PreConnectResult) => (_: unknown, current: PreConnectResult) =>
        Effect.sync(() => {
          seen.push(`${name}:${current._tag}`)
          return result
        })
      yield* bus.listen("ServerPreConnect", step("late", { _tag: "Denied", reason: "late says no" }), { owner: "a", priority: Priority.LATE })
      yield* bus.listen("ServerPreConnect", step("first"), { owner: "b", priority: Priority.FIRST })
      yield* bus.listen("ServerPreConnect", step("normal-1", { _tag: "ConnectTo", server: "lobby" }), { owner: "c" })
      yield* bus.listen("ServerPreConnect", step("normal-2"), { owner: "d" })
      yield* bus.listen("ServerPreConnect", step("last"), { owner: "e", priority: Priority.LAST })
      const result = yield* events.fire(preConnect, ALLOWED)
      assert.deepStrictEqual(seen, ["first:Allowed", "normal-1:Allowed", "normal-2:ConnectTo", "late:ConnectTo", "last:Denied"])
      assert.deepStrictEqual(result, { _tag: "Denied", reason: "late says no" })
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("a listener that fails, throws, dies or hangs is logged with its owner and skipped; the others still count", () => {
    const { lines, layer } = captureLogs({ annotations: true })
    return Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* Events
      yield* bus.listen("ServerPreConnect", () => Effect.fail("no"), { owner: "failing" })
      yield* bus.listen("ServerPreConnect", () => {
        throw new Error("thrown")
      }, { owner: "throwing" })
      yield* bus.listen("ServerPreConnect", () => Effect.die("dead"), { owner: "dying" })
      yield* bus.listen("ServerPreConnect", () => Effect.never, { owner: "hanging", timeout: Duration.seconds(2) })
      yield* bus.listen("ServerPreConnect", () => Effect.succeed({ _tag: "Denied", reason: "ok" } as const), { owner: "good", priority: Priority.LAST })
      const fiber = yield* Effect.forkChild(events.fire(preConnect, ALLOWED))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { _tag: "Denied", reason: "ok" })
      const about = (owner: string) => lines.filter((l) => l.annotations?.["plugin"] === owner).map((l) => l.message.split("\n")[0])
      assert.match(about("failing")[0]!, /^plugin 'failing': its ServerPreConnect listener failed and was skipped/)
      assert.match(about("throwing")[0]!, /^plugin 'throwing': its ServerPreConnect listener failed and was skipped Error: thrown/)
      assert.match(about("dying")[0]!, /^plugin 'dying': its ServerPreConnect listener failed and was skipped/)
      assert.match(about("hanging")[0]!, /^plugin 'hanging': its ServerPreConnect listener took longer than 2s and was cut off/)
    }).pipe(Effect.provide(EventBus.layer), Effect.provide(layer))
  })

  it.effect("with nobody listening or subscribed, events are not wanted and firing returns the initial result untouched", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* Events
      assert.isFalse(events.wants("ServerPreConnect"))
      assert.strictEqual(yield* events.fire(preConnect, ALLOWED), ALLOWED)
      const scope = yield* Scope.make()
      yield* bus.listen("ServerPreConnect", () => Effect.void, { owner: "x" }).pipe(Scope.provide(scope))
      assert.isTrue(events.wants("ServerPreConnect"))
      assert.isFalse(events.wants("Disconnect"))
      // Worker threads mirror this list to decide what to send.
      assert.deepStrictEqual(yield* SubscriptionRef.get(bus.interest), ["ServerPreConnect"])
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(events.wants("ServerPreConnect"), "the listener left with its scope")
      assert.deepStrictEqual(yield* SubscriptionRef.get(bus.interest), [])
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("notifications reach their listeners in the background, in order, without the sender waiting", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* Events
      const gate = yield* Deferred.make<void>()
      const got: Array<string> = []
      const done = yield* Deferred.make<void>()
      yield* bus.listen("ServerConnected", (e) =>
        Effect.gen(function*() {
          yield* Deferred.await(gate)
          got.push(e.server)
          if (got.length === 2) yield* Deferred.succeed(done, undefined)
        }), { owner: "slow" })
      // The listener is blocked, yet notifying returns at once.
      yield* events.notify({ _tag: "ServerConnected", player, server: "a", backend: "x:1" })
      yield* events.notify({ _tag: "ServerConnected", player, server: "b", backend: "x:1" })
      assert.deepStrictEqual(got, [])
      yield* Deferred.succeed(gate, undefined)
      yield* Deferred.await(done)
      assert.deepStrictEqual(got, ["a", "b"])
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("subscribers get every event but per-ping and per-packet ones; a full subscriber loses events, counted, and slows nobody", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* Events
      const fast = yield* bus.subscribe(16)
      const slow = yield* bus.subscribe(2)
      assert.isTrue(events.wants("Disconnect"))
      assert.isFalse(events.wants("ProxyPing"), "pings are for listeners only")
      assert.isFalse(events.wants("RawPacket"), "packets are for listeners only")
      for (let i = 0; i < 5; i++) yield* events.notify({ _tag: "ServerConnected", player, server: `s${i}`, backend: "x:1" })
      yield* events.fire({ _tag: "Disconnect", player, lastServer: "s4" }, undefined)
      const taken: Array<string> = []
      for (let i = 0; i < 6; i++) {
        const e = yield* fast.take
        taken.push(e._tag === "ServerConnected" ? e.server : e._tag)
      }
      assert.deepStrictEqual(taken, ["s0", "s1", "s2", "s3", "s4", "Disconnect"])
      assert.strictEqual(fast.lagged(), 0)
      const first = yield* slow.take
      assert.strictEqual(first._tag === "ServerConnected" && first.server, "s0")
      assert.strictEqual(slow.lagged(), 4)
      assert.strictEqual(slow.lagged(), 0, "reading the count resets it")
    }).pipe(Effect.provide(EventBus.layer)))
})
