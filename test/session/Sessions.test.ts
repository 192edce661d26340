/**
 * The session registry: `max_players` at registration (the count check and the insert are one
 * step, so concurrent logins never overshoot), counts that follow each session's state, lookups
 * by name in any case and by UUID, and the same-UUID rule (a verified newer login ends the older
 * session; the older one's removal never touches the newer).
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope } from "effect"
import type { Identity, SessionInit, SessionState } from "../../src/session/Session.ts"
import { Sessions } from "../../src/session/Sessions.ts"

const init = (player: string, identity: Identity = "claimed", uuid?: string): SessionInit => ({
  client: "127.0.0.1",
  player,
  uuid,
  identity,
  protocolVersion: 765,
  mode: "passthrough"
})

const playing = (server = "survival", backend = "10.0.0.1:25565"): SessionState => ({ _tag: "Playing", server, backend })

describe("Sessions", () => {
  it.effect("concurrent logins fill exactly max_players slots; a closed session frees its slot", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const scopes = yield* Effect.forEach(Array.from({ length: 10 }), () => Scope.make())
      const results = yield* Effect.forEach(
        scopes,
        (scope, i) => sessions.open(init(`p${i}`), playing(), 3).pipe(Scope.provide(scope)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter(Option.isSome).length, 3)
      assert.strictEqual(yield* sessions.countForServer("survival"), 3)
      // Refused registrations hold nothing: closing their scopes changes no count.
      for (const [i, r] of results.entries()) if (Option.isNone(r)) yield* Scope.close(scopes[i]!, Exit.void)
      assert.strictEqual(yield* sessions.countForServer("survival"), 3)
      const first = results.findIndex(Option.isSome)
      yield* Scope.close(scopes[first]!, Exit.void)
      assert.strictEqual(yield* sessions.countForServer("survival"), 2)
      const scope = yield* Scope.make()
      assert.isTrue(Option.isSome(yield* sessions.open(init("late"), playing(), 3).pipe(Scope.provide(scope))))
      assert.isTrue(Option.isNone(yield* sessions.open(init("later"), playing(), 3).pipe(Scope.provide(scope))))
      // 0 = no limit.
      assert.isTrue(Option.isSome(yield* sessions.open(init("unlimited"), playing(), 0).pipe(Scope.provide(scope))))
    }).pipe(Effect.provide(Sessions.layer)))

  it.effect("counts follow the state: connecting and playing count, limbo does not; a full target refuses a move", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const scope = yield* Scope.make()
      const a = Option.getOrThrow(yield* sessions.open(init("a"), { _tag: "Connecting", server: "hub" }, 0).pipe(Scope.provide(scope)))
      const b = Option.getOrThrow(yield* sessions.open(init("b"), playing("survival", "10.0.0.2:25565"), 0).pipe(Scope.provide(scope)))
      assert.strictEqual(yield* sessions.countForServer("hub"), 1)
      assert.strictEqual(yield* sessions.countForBackend("10.0.0.2:25565"), 1)
      assert.isTrue(yield* sessions.transition(a.id, { _tag: "Limbo", waitingFor: "survival" }, 0))
      assert.strictEqual(yield* sessions.countForServer("hub"), 0)
      assert.strictEqual(yield* sessions.countForServer("survival"), 1)
      // survival holds b; with max_players 1 the player waiting in limbo cannot move in yet.
      assert.isFalse(yield* sessions.transition(a.id, playing("survival", "10.0.0.2:25565"), 1))
      assert.strictEqual((yield* sessions.get(a.id)).pipe(Option.getOrThrow).state._tag, "Limbo")
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yield* sessions.total, 0)
      assert.strictEqual(yield* sessions.countForBackend("10.0.0.2:25565"), 0)
      assert.isFalse(yield* sessions.transition(b.id, playing(), 0))
    }).pipe(Effect.provide(Sessions.layer)))

  it.effect("names are found in any case; the newest session of a name or UUID wins", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const scope = yield* Scope.make()
      yield* sessions.open(init("Steve", "claimed", "11111111-1111-1111-1111-111111111111"), playing(), 0).pipe(Scope.provide(scope))
      const newer = Option.getOrThrow(
        yield* sessions.open(init("steve", "claimed", "11111111-1111-1111-1111-111111111111"), playing(), 0).pipe(Scope.provide(scope))
      )
      assert.strictEqual(Option.getOrThrow(yield* sessions.findByName("STEVE")).id, newer.id)
      assert.strictEqual(Option.getOrThrow(yield* sessions.findByUuid("11111111-1111-1111-1111-111111111111")).id, newer.id)
      // A claimed UUID (forwarding modes) ends nobody: both sessions are still registered.
      assert.strictEqual(yield* sessions.total, 2)
      assert.isTrue(Option.isNone(yield* sessions.findByName("alex")))
    }).pipe(Effect.provide(Sessions.layer)))

  it.live("a verified second login of the same UUID ends the older session; the newer stays and can be kicked by name", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const uuid = "22222222-2222-3222-8222-222222222222"
      // Each session lives in its own fiber, as a connection does.
      const session = (name: string) =>
        Effect.gen(function*() {
          const opened = yield* Deferred.make<number>()
          const fiber = yield* Effect.forkChild(
            Effect.scoped(Effect.gen(function*() {
              const info = Option.getOrThrow(yield* sessions.open(init(name, "offline", uuid), playing(), 0))
              yield* Deferred.succeed(opened, info.id)
              return yield* Effect.never
            }))
          )
          return { fiber, id: yield* Deferred.await(opened) }
        })
      const older = yield* session("Alex")
      const newer = yield* session("Alex")
      const exit = yield* Fiber.await(older.fiber)
      assert.isTrue(Exit.isFailure(exit), "the older session's fiber was interrupted")
      assert.strictEqual(yield* sessions.total, 1)
      const found = Option.getOrThrow(yield* sessions.findByName("alex"))
      assert.strictEqual(found.id, newer.id)
      assert.strictEqual(Option.getOrThrow(yield* sessions.findByUuid(uuid)).id, newer.id)
      assert.isTrue(yield* sessions.kick(found.id))
      assert.isTrue(Exit.isFailure(yield* Fiber.await(newer.fiber)))
      assert.strictEqual(yield* sessions.total, 0)
    }).pipe(Effect.provide(Sessions.layer)))
})
