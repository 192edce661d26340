/**
 * Helpers for the in-game command tests: what a real minecraft-protocol player reads in chat
 * (system messages as plain text, any version), running a command and waiting for its reply,
 * tab-complete requests in both eras, and a backend that records the commands it receives and
 * sends a Declare Commands graph of its own.
 */
import { Effect } from "effect"
import minecraftData from "minecraft-data"
import type mc from "minecraft-protocol"
import { fileURLToPath } from "node:url"
import type { Player } from "../support/McClients.ts"
import { type McServerOptions, mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"

export const GREETER = fileURLToPath(new URL("../support/plugins/commands.ts", import.meta.url))

type Events = { on: (event: string, listener: (packet: any) => void) => void; once: (event: string, listener: (packet: any) => void) => void }
type Writer = { write: (name: string, params: unknown) => void }

export const protocolOf = (version: string): number => minecraftData(version)!.version.version!

/** The plain text of a chat component (JSON text or an object), its `extra` included. */
export const flatten = (component: unknown): string => {
  if (typeof component === "string") {
    if (!component.startsWith("{") && !component.startsWith("[") && !component.startsWith("\"")) return component
    // JSON.parse reports bad JSON by throwing; the string is then plain text.
    try {
      return flatten(JSON.parse(component))
    } catch {
      return component
    }
  }
  if (Array.isArray(component)) return component.map(flatten).join("")
  if (typeof component !== "object" || component === null) return String(component ?? "")
  const c = component as { text?: unknown; translate?: unknown; extra?: ReadonlyArray<unknown>; "": unknown }
  const own = c.text ?? c[""] ?? c.translate ?? ""
  return `${typeof own === "string" ? own : flatten(own)}${(c.extra ?? []).map(flatten).join("")}`
}

/** Every system message the player reads, as plain text, in order (the test backends' chat echoes left out). */
export const chatLog = (client: mc.Client): Array<string> => {
  const lines: Array<string> = []
  const events = client as unknown as Events
  // minecraft-protocol reports system messages of every version (1.19's system_chat, the older
  // chat packet's system position) as systemChat; the backends' echoes of chat are left out.
  events.on("systemChat", (p: { formattedMessage: string; positionId: number }) => {
    const text = flatten(p.formattedMessage)
    if (p.positionId !== 2 && !text.startsWith("echo:")) lines.push(text)
  })
  return lines
}

/** Sends `/command` and waits until the lines after it satisfy `done` (by default: one line); those lines. */
export const ask = (player: Player, log: Array<string>, command: string, done: (lines: ReadonlyArray<string>) => boolean = (l) => l.length > 0) =>
  Effect.gen(function*() {
    const mark = log.length
    player.client.chat(command)
    yield* waitUntil(() => done(log.slice(mark)), `the reply to ${command}`)
    return log.slice(mark)
  })

/** The matches of a tab-complete request for `text`, in the player's version's format. */
export const tabComplete = (player: Player, protocol: number, text: string): Promise<{ matches: ReadonlyArray<string>; start?: number; length?: number }> =>
  new Promise((resolve) => {
    const client = player.client as unknown as Events & Writer
    client.once("tab_complete", (p: { matches: ReadonlyArray<string | { match: string }>; start?: number; length?: number }) =>
      resolve({ ...p, matches: p.matches.map((m) => (typeof m === "string" ? m : m.match)) }))
    if (protocol >= 393) client.write("tab_complete", { transactionId: 7, text })
    else client.write("tab_complete", { text, assumeCommand: false, lookedAtBlock: undefined })
  })

/** A backend that records every command it receives (as typed, without the slash) and tab-complete request. */
export const recordingBackend = (version: string, options: McServerOptions = {}) =>
  Effect.gen(function*() {
    const commands: Array<string> = []
    const completions: Array<string> = []
    const server = yield* mcServer(version, {
      ...options,
      onJoin: (client) => {
        const events = client as unknown as Events
        events.on("chat_command", (p: { command: string }) => commands.push(p.command))
        events.on("chat_command_signed", (p: { command: string }) => commands.push(p.command))
        events.on("chat", (p: { message: string }) => {
          if (p.message.startsWith("/")) commands.push(p.message.slice(1))
        })
        events.on("tab_complete", (p: { text: string }) => completions.push(p.text))
        options.onJoin?.(client)
      }
    })
    return { server, commands, completions }
  })

/** Command node flags as minecraft-protocol writes them for `protocol`. */
export const mcFlags = (protocol: number, type: number, bits: { readonly command?: boolean; readonly redirect?: boolean; readonly suggestions?: boolean } = {}) => ({
  unused: 0,
  ...(protocol >= 771 ? { allows_restricted: 0 } : {}),
  has_custom_suggestions: bits.suggestions ? 1 : 0,
  has_redirect_node: bits.redirect ? 1 : 0,
  has_command: bits.command ? 1 : 0,
  command_node_type: type
})

/** A backend's own graph: `/help`, an `/ir` of its own, and `/give <count>` (an integer from 1 to 64). */
export const backendGraph = (protocol: number) => ({
  nodes: [
    { flags: mcFlags(protocol, 0), children: [1, 2, 3] },
    { flags: mcFlags(protocol, 1, { command: true }), children: [], extraNodeData: { name: "help" } },
    { flags: mcFlags(protocol, 1, { command: true }), children: [], extraNodeData: { name: "ir" } },
    { flags: mcFlags(protocol, 1), children: [4], extraNodeData: { name: "give" } },
    {
      flags: mcFlags(protocol, 2, { command: true }),
      children: [],
      extraNodeData: { name: "count", parser: "brigadier:integer", properties: { flags: { unused: 0, max_present: 1, min_present: 1 }, min: 1, max: 64 } }
    }
  ],
  rootIndex: 0
})

export interface ReceivedGraph {
  readonly nodes: ReadonlyArray<{ readonly children: ReadonlyArray<number>; readonly redirectNode?: number; readonly flags: { readonly has_command: number }; readonly extraNodeData?: { readonly name: string; readonly parser?: string; readonly properties?: unknown; readonly suggestionType?: string } }>
  readonly rootIndex: number
}

/** The names of a node's children. */
export const childNames = (graph: ReceivedGraph, index: number): ReadonlyArray<string | undefined> =>
  graph.nodes[index]!.children.map((i) => graph.nodes[i]!.extraNodeData?.name)

/** The index of the child of `index` named `name`. */
export const childNamed = (graph: ReceivedGraph, index: number, name: string): number =>
  graph.nodes[index]!.children.find((i) => graph.nodes[i]!.extraNodeData?.name === name)!
