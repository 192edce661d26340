/**
 * The proxy's commands added to a backend's graph: the subcommands a player may use with their
 * arguments, `/ir` redirecting to `/infrarust`, plugin commands, a backend command of the same
 * name detached, and nothing of `/ir` for a player who may use none of it.
 */
import { assert, describe, it } from "@effect/vitest"
import { announceCommands, ASK_SERVER } from "../../src/command/CommandTree.ts"
import { type CommandGraph, type CommandNode, NodeFlag, NodeType } from "../../src/protocol/CommandGraph.ts"

const PROTOCOL = 769
const node = (flags: number, name: string | undefined, children: ReadonlyArray<number> = []): CommandNode =>
  ({ flags, children, redirect: undefined, name, parser: undefined, suggestions: undefined })
/** Root → help, ir (a backend's own), Hello. */
const backend: CommandGraph = {
  nodes: [node(NodeType.ROOT, undefined, [1, 2, 3]), node(NodeType.LITERAL | NodeFlag.EXECUTABLE, "help"), node(NodeType.LITERAL, "ir"), node(NodeType.LITERAL, "Hello")],
  root: 0
}
const rootNames = (g: CommandGraph) => g.nodes[g.root]!.children.map((i) => g.nodes[i]!.name)
const child = (g: CommandGraph, of: CommandNode, name: string) => g.nodes[of.children.find((i) => g.nodes[i]!.name === name)!]!

describe("CommandTree", () => {
  it("adds /infrarust with the usable subcommands, /ir redirecting to it, and plugin commands; same names are detached", () => {
    const g = announceCommands(PROTOCOL, backend, { subcommands: ["list", "server", "send"], commands: ["hello", "hi"] })!
    assert.deepStrictEqual(rootNames(g), ["help", "infrarust", "ir", "hello", "hi"])
    assert.strictEqual(g.nodes.length, backend.nodes.length + 2 + 1 + 2 + 3 + 2 + 2, "infrarust, ir, list, server [name], send <player> <server>, hello and hi with their arguments")
    const infrarust = child(g, g.nodes[0]!, "infrarust")
    const ir = child(g, g.nodes[0]!, "ir")
    assert.strictEqual(ir.flags, NodeType.LITERAL | NodeFlag.EXECUTABLE | NodeFlag.REDIRECT)
    assert.strictEqual(g.nodes[ir.redirect!], infrarust)
    assert.deepStrictEqual(infrarust.children.map((i) => g.nodes[i]!.name), ["list", "server", "send"])
    // server [name]: both run; send <player> <server>: only the last runs.
    const server = child(g, infrarust, "server")
    assert.strictEqual(server.flags & NodeFlag.EXECUTABLE, NodeFlag.EXECUTABLE)
    const name = g.nodes[server.children[0]!]!
    assert.strictEqual(name.flags, NodeType.ARGUMENT | NodeFlag.EXECUTABLE | NodeFlag.SUGGESTIONS)
    assert.strictEqual(name.suggestions, ASK_SERVER)
    assert.deepStrictEqual(name.parser, { ref: 5, properties: Uint8Array.of(0) })
    const send = child(g, infrarust, "send")
    const player = g.nodes[send.children[0]!]!
    assert.strictEqual(send.flags & NodeFlag.EXECUTABLE, 0)
    assert.strictEqual(player.flags & NodeFlag.EXECUTABLE, 0)
    assert.strictEqual(g.nodes[player.children[0]!]!.flags & NodeFlag.EXECUTABLE, NodeFlag.EXECUTABLE)
    // A plugin command takes the rest of the line, suggested by the proxy.
    const hello = child(g, g.nodes[0]!, "hello")
    assert.deepStrictEqual(g.nodes[hello.children[0]!]!.parser, { ref: 5, properties: Uint8Array.of(2) })
    assert.deepStrictEqual(backend.nodes[0]!.children, [1, 2, 3], "the backend's graph is not changed in place")
  })

  it("adds no /ir for a player who may use none of it; names the backend has stay before 1.19", () => {
    const g = announceCommands(PROTOCOL, backend, { subcommands: [], commands: [] })!
    assert.deepStrictEqual(rootNames(g), ["help", "ir", "Hello"])
    const old = announceCommands(404, backend, { subcommands: ["help"], commands: [] })!
    assert.deepStrictEqual(old.nodes.at(-4)!.parser, { ref: "brigadier:string", properties: Uint8Array.of(0) })
  })
})
