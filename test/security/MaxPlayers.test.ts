/**
 * `max_players` at registration: the count check and the insert are one step, so concurrent
 * logins can never overshoot the limit, and a slot frees when its session's scope closes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { Sessions } from "../../src/session/Sessions.ts"

const info = (player: string) => ({
  client: "127.0.0.1",
  player,
  serverId: "survival",
  backend: "10.0.0.1:25565",
  protocolVersion: 765,
  mode: "passthrough"
})

describe("Sessions.registerWithin", () => {
  it.effect("concurrent logins fill exactly max_players slots; a closed session frees its slot", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const scopes = yield* Effect.forEach(Array.from({ length: 10 }), () => Scope.make())
      const results = yield* Effect.forEach(
        scopes,
        (scope, i) => sessions.registerWithin(info(`p${i}`), 3).pipe(Scope.provide(scope)),
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
      assert.isTrue(Option.isSome(yield* sessions.registerWithin(info("late"), 3).pipe(Scope.provide(scope))))
      assert.isTrue(Option.isNone(yield* sessions.registerWithin(info("later"), 3).pipe(Scope.provide(scope))))
      // 0 = no limit.
      assert.isTrue(Option.isSome(yield* sessions.registerWithin(info("unlimited"), 0).pipe(Scope.provide(scope))))
    }).pipe(Effect.provide(Sessions.layer)))
})
