import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loginAndChat } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

describe("offline smoke", () => {
  for (const version of ["1.21.4", "1.8.9", "1.7", "1.12.2", "1.20.4"]) {
    it.live(`${version} offline`, () =>
      Effect.gen(function*() {
        const backend = yield* mcServer(version)
        const proxy = yield* startProxy({ servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "offline"`) } })
        const session = yield* Effect.promise(() => loginAndChat(version, proxy.port, "play.example.com", "tester")).pipe(
          Effect.tapDefect(() => Effect.sync(() => console.log(proxy.logs.map((l) => `${l.level} ${l.message}`).join("\n"))))
        )
        assert.isTrue(session.echoed)
      }), { timeout: 20_000 })
  }
})

import { startFakeSessionServer } from "../support/FakeSessionServer.ts"
describe("client_only smoke", () => {
  for (const version of ["1.21.4", "1.8.9", "1.7", "1.19.2", "1.20.4"]) {
    it.live(`${version} client_only`, () =>
      Effect.gen(function*() {
        const fake = yield* Effect.acquireRelease(Effect.promise(() => startFakeSessionServer()), (f) => Effect.promise(() => f.close()))
        const backend = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: `[auth]\nsession_server = "${fake.url}"\n`,
          servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "client_only"`) }
        })
        const session = yield* Effect.promise(() => loginAndChat(version, proxy.port, "play.example.com", "Notch", { online: { sessionServer: fake.url, id: "069a79f4-44e9-4726-a5be-fca90e38aaf5" } })).pipe(
          Effect.tapDefect(() => Effect.sync(() => console.log(proxy.logs.map((l) => `${l.level} ${l.message}`).join("\n"))))
        )
        assert.isTrue(session.echoed)
      }), { timeout: 20_000 })
  }
})
