/**
 * The Declare Commands packet a real player receives (minecraft-protocol parses it), on every
 * era of the graph: the backend's own commands kept, `/ir` and `/infrarust` added with only the
 * subcommands the player may use, the plugin commands, the backend's own `/ir` replaced; and with
 * `announce_proxy_commands = false`, the backend's graph exactly as it sent it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { joinAndStay } from "../support/McClients.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { backendGraph, childNamed, childNames, GREETER, protocolOf, type ReceivedGraph, recordingBackend } from "./support.ts"

const VERSIONS = ["1.13.2", "1.16.5", "1.19.4", "1.20.4", "1.21.4", "26.1"]

type Writer = { write: (name: string, params: unknown) => void }

/** A player of `version` joins a backend that declares its commands; the graph the player receives. */
const graphThrough = (version: string, global: string) =>
  Effect.gen(function*() {
    const protocol = protocolOf(version)
    // Sent a moment after the join (as servers do once the player is set up), when the test listens.
    const declare = (client: unknown) => setTimeout(() => (client as Writer).write("declare_commands", backendGraph(protocol)), 200)
    const backend = yield* recordingBackend(version, { onJoin: declare })
    const proxy = yield* startProxy({
      global: `${global}\n[plugins.greeter]\npath = ${JSON.stringify(GREETER)}\n`,
      servers: { "mc.toml": serverToml(["play.example.com"], [backend.server.address], `proxy_mode = "offline"`) }
    })
    let received: (graph: ReceivedGraph) => void = () => {}
    const graph = new Promise<ReceivedGraph>((resolve) => (received = resolve))
    const player = yield* Effect.promise(() =>
      joinAndStay(version, proxy.port, "play.example.com", "alex").then((p) => {
        p.client.once("declare_commands", received)
        return p
      }))
    yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
    return yield* Effect.promise(() => graph).pipe(Effect.timeout("5 seconds"))
  })

describe("Declare Commands", () => {
  it.live("a player receives /ir and the plugin commands it may use, on every version of the graph", () =>
    Effect.gen(function*() {
      for (const version of VERSIONS) {
        const graph = yield* graphThrough(version, `[permissions]\nplayer_commands = ["list", "server"]`)
        const root = graph.rootIndex
        assert.deepStrictEqual(childNames(graph, root), ["help", "give", "infrarust", "ir", "hello", "hi", "boom", "stall"], version)
        const infrarust = childNamed(graph, root, "infrarust")
        const ir = graph.nodes[childNamed(graph, root, "ir")]!
        assert.strictEqual(ir.redirectNode, infrarust, `${version}: /ir redirects to /infrarust`)
        assert.deepStrictEqual(childNames(graph, infrarust), ["help", "list", "server"], `${version}: only what the player may use`)
        const server = childNamed(graph, infrarust, "server")
        const name = graph.nodes[graph.nodes[server]!.children[0]!]!
        assert.deepStrictEqual(name.extraNodeData, { name: "name", parser: "brigadier:string", properties: "SINGLE_WORD", suggestionType: "minecraft:ask_server" }, version)
        const count = graph.nodes[graph.nodes[childNamed(graph, root, "give")]!.children[0]!]!
        assert.deepStrictEqual(count.extraNodeData?.properties, { flags: { unused: 0, max_present: 1, min_present: 1 }, min: 1, max: 64 }, `${version}: the backend's own arguments`)
      }
    }), { timeout: 60_000 })

  it.live("a player who may use no /ir subcommand is not shown /ir; with announce_proxy_commands = false the graph crosses untouched", () =>
    Effect.gen(function*() {
      const none = yield* graphThrough("1.21.4", "")
      assert.deepStrictEqual(childNames(none, none.rootIndex), ["help", "ir", "give", "hello", "hi", "boom", "stall"])
      assert.isUndefined(none.nodes[childNamed(none, none.rootIndex, "ir")]!.redirectNode, "the backend's own /ir")
      const off = yield* graphThrough("1.21.4", `announce_proxy_commands = false\n[permissions]\nplayer_commands = ["*"]`)
      assert.deepStrictEqual(JSON.parse(JSON.stringify(off)), JSON.parse(JSON.stringify(backendGraph(769))))
    }), { timeout: 30_000 })
})
