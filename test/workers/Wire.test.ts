/**
 * What crosses to worker threads decodes back to the same value: every configuration example
 * in docs/ (global and server files), through Schema encode → structured clone → decode.
 */
import { assert, describe, it } from "@effect/vitest"
import { Equal } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { isDeepStrictEqual } from "node:util"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"
import { decodeConfig, decodeRoute, decodeServers, encodeConfig, encodeRoute, encodeServers } from "../../src/workers/Wire.ts"

const docs = new URL("../../docs/", import.meta.url)
const examples = readdirSync(docs)
  .filter((f) => f.endsWith(".md"))
  .flatMap((f) => [...readFileSync(new URL(f, docs), "utf8").matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!))

/** `value` with every object's prototype made plain (class instances keep their own fields). */
const plainData = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(plainData)
  if (value === null || typeof value !== "object") return value
  const proto = Object.getPrototypeOf(value)
  if (proto !== null && proto !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainData(v)]))
}

describe("configs across the thread boundary", () => {
  it("every documented global config and server file round-trips", () => {
    let proxies = 0
    let servers = 0
    for (const text of examples) {
      const proxy = parseProxyConfig(text, "infrarust.toml")
      if (proxy._tag === "Success") {
        proxies++
        const back = decodeConfig(structuredClone(encodeConfig(proxy.success.config)))
        // Plugins' free-form tables come from the TOML parser with null prototypes, which no
        // structured clone keeps; the data must be the same.
        assert.isTrue(Equal.equals(back, proxy.success.config) && isDeepStrictEqual(plainData(back), plainData(proxy.success.config)), text)
      }
      const server = parseServerConfig(text, "server.toml", "server")
      if (server._tag === "Success") {
        servers++
        const loaded = [{ id: server.success.id, file: "server.toml", path: "servers/server.toml", config: server.success.config }]
        const back = decodeServers(structuredClone(encodeServers(loaded)))
        assert.isTrue(isDeepStrictEqual(back, loaded), text)
      }
    }
    assert.isAbove(proxies, 5)
    assert.isAbove(servers, 5)
  })

  it("a route travels as its server id and resolves in the receiver's own table", () => {
    const server = parseServerConfig(`domains = ["*.example.com"]\naddresses = ["127.0.0.1:25566"]\n`, "s.toml", "s")
    assert.strictEqual(server._tag, "Success")
    if (server._tag !== "Success") return
    const value = { id: "s", file: "s.toml", path: "servers/s.toml", config: server.success.config }
    const { table } = RoutingTable.make([{ id: "s", file: "s.toml", domains: value.config.domains, value }])
    const route = RoutingTable.resolveNormalized(table, "mc.example.com")
    const wire = structuredClone(encodeRoute(route))
    assert.deepStrictEqual(wire, { id: "s", kind: "wildcard", pattern: "*.example.com", host: "mc.example.com" })
    assert.strictEqual(decodeRoute(table, wire)?.entry.value, value)
    assert.isUndefined(decodeRoute(RoutingTable.empty(), wire), "gone from the receiver's table")
  })
})
