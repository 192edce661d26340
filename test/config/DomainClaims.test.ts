import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, FileSystem, Layer, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import type { LoadedServer } from "../../src/config/ConfigLoader.ts"
import { holdLiveDomains } from "../../src/config/DomainClaims.ts"
import { ServersDirectory } from "../../src/config/ServersDirectory.ts"
import { Router } from "../../src/routing/Router.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { eventually, waitFor } from "./support.ts"

const server = (id: string, domains: ReadonlyArray<string>): LoadedServer =>
  ({ id, file: `${id}.toml`, path: `servers/${id}.toml`, config: { domains } }) as unknown as LoadedServer
const domainsOf = (list: ReadonlyArray<LoadedServer>) => Object.fromEntries(list.map((s) => [s.id, s.config.domains.join(",")]))

describe("holdLiveDomains", () => {
  it("a newcomer does not get a live domain, whatever its name; the live owner keeps it", () => {
    const live = [server("survival", ["play.test"])]
    const { held, servers } = holdLiveDomains(live, [server("aaa", ["PLAY.test.", "aaa.test"]), ...live])
    assert.deepStrictEqual(domainsOf(servers), { aaa: "aaa.test", survival: "play.test" })
    assert.deepStrictEqual(held, [{
      domain: "PLAY.test.",
      owner: { id: "survival", path: "servers/survival.toml" },
      claimant: { id: "aaa", path: "servers/aaa.toml" }
    }])
  })

  it("an edit that adds a live domain is held too; the domain is free once its owner drops it or goes", () => {
    const live = [server("a", ["a.test"]), server("b", ["b.test"])]
    assert.deepStrictEqual(domainsOf(holdLiveDomains(live, [server("a", ["a.test", "b.test"]), live[1]!]).servers), { a: "a.test", b: "b.test" })
    assert.deepStrictEqual(domainsOf(holdLiveDomains(live, [server("a", ["a.test", "b.test"]), server("b", [])]).servers), { a: "a.test,b.test", b: "" })
    assert.deepStrictEqual(domainsOf(holdLiveDomains(live, [server("a", ["a.test", "b.test"])]).servers), { a: "a.test,b.test" })
  })

  it("claims that were live already stay (the start-up rule keeps deciding), and first claims are free", () => {
    const live = [server("a", ["x.test"]), server("b", ["x.test"])]
    const { held, servers } = holdLiveDomains(live, [...live, server("c", ["new.test"]), server("d", ["new.test"])])
    assert.deepStrictEqual(held, [])
    assert.deepStrictEqual(domainsOf(servers), { a: "x.test", b: "x.test", c: "new.test", d: "new.test" })
    assert.deepStrictEqual(holdLiveDomains([], live).held, [])
  })
})

describe("hot reload of the servers directory", () => {
  it.live("a new file that sorts first does not take a live domain; the error names both files; it gets it once freed", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const write = (name: string, text: string) => fs.writeFileString(NodePath.join(dir, name), text)
      yield* write("survival.toml", `domains = ["play.test"]\naddresses = ["127.0.0.1:25566"]\n`)
      yield* Effect.gen(function*() {
        const { servers } = yield* ServersDirectory
        const router = yield* Router
        yield* write("00-typo.toml", `domains = ["play.test", "typo.test"]\naddresses = ["127.0.0.1:9"]\n`)
        const held = yield* waitFor(servers, (l) => l.some((s) => s.id === "00-typo"))
        assert.deepStrictEqual(domainsOf(held), { "00-typo": "typo.test", survival: "play.test" })
        yield* waitFor(router.table, (t) => RoutingTable.resolve(t, "typo.test") !== undefined)
        assert.strictEqual(RoutingTable.resolve(yield* SubscriptionRef.get(router.table), "play.test")?.entry.id, "survival")
        yield* eventually(() =>
          logs.lines.some((l) =>
            l.level === "Error" &&
            l.message === `${NodePath.join(dir, "00-typo.toml")}: domain "play.test" is already served by 'survival' (${NodePath.join(dir, "survival.toml")}); ` +
                "'00-typo' does not get it while it is live there: remove it from one of the two files"
          )
        )
        // The admin resolves it: survival gives the domain up, and the newcomer gets it.
        yield* write("survival.toml", `domains = ["survival.test"]\naddresses = ["127.0.0.1:25566"]\n`)
        yield* waitFor(servers, (l) => domainsOf(l)["00-typo"] === "play.test,typo.test")
        yield* waitFor(router.table, (t) => RoutingTable.resolve(t, "play.test")?.entry.id === "00-typo")
      }).pipe(Effect.provide(Router.layer.pipe(Layer.provideMerge(ServersDirectory.layerDirectory(dir, undefined, Duration.millis(100))))))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })
})
