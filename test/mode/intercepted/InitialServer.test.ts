/**
 * Who is an admin by default: `[permissions] admins` lists a UUID or a name, and it counts only
 * for a player the proxy authenticated (an offline name proves nothing). PermissionsSetup
 * listeners can change the answer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ProxyConfig } from "../../../src/config/ProxyConfig.ts"
import { EventBus } from "../../../src/event/EventBus.ts"
import type { PlayerRef } from "../../../src/event/ProxyEvent.ts"
import { permissionsOf } from "../../../src/mode/intercepted/InitialServer.ts"

const config = Schema.decodeUnknownSync(ProxyConfig)({ permissions: { admins: ["069a79f4-44e9-4726-a5be-fca90e38aaf5", "jeb_"] } })
const player = (name: string, uuid: string, identity: PlayerRef["identity"]): PlayerRef =>
  ({ session: 1, name, uuid, identity, client: "127.0.0.1", protocolVersion: 769, mode: identity === "online" ? "client_only" : "offline" })

describe("permissionsOf", () => {
  it.effect("listed admins are admins only when authenticated online; a listener may decide otherwise", () =>
    Effect.gen(function*() {
      const notch = "069a79f4-44e9-4726-a5be-fca90e38aaf5"
      assert.isTrue((yield* permissionsOf(player("Notch", notch, "online"), true, config)).admin, "listed UUID, authenticated")
      assert.isTrue((yield* permissionsOf(player("JEB_", "853c80ef-3c37-49fd-aa49-938b674adae6", "online"), true, config)).admin, "listed name, any case")
      assert.isFalse((yield* permissionsOf(player("Notch", notch, "offline"), false, config)).admin, "the same UUID, offline: not an admin")
      assert.isFalse((yield* permissionsOf(player("alex", "00000000-0000-0000-0000-000000000001", "online"), true, config)).admin)
      yield* (yield* EventBus).listen("PermissionsSetup", (e) => Effect.succeed(e.player.name === "alex" ? { admin: true } : undefined), { owner: "test" })
      assert.isTrue((yield* permissionsOf(player("alex", "00000000-0000-0000-0000-000000000001", "online"), true, config)).admin)
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("a UUID is listed dashed or undashed, in any case", () =>
    Effect.gen(function*() {
      const undashed = Schema.decodeUnknownSync(ProxyConfig)({ permissions: { admins: ["069A79F444E94726A5BEFCA90E38AAF5"] } })
      assert.isTrue((yield* permissionsOf(player("Notch", "069a79f4-44e9-4726-a5be-fca90e38aaf5", "online"), true, undashed)).admin)
      assert.isFalse((yield* permissionsOf(player("Dinnerbone", "61699b2e-d327-4a01-9f1e-0ea8c3f06bc6", "online"), true, undashed)).admin)
    }).pipe(Effect.provide(EventBus.layer)))
})
