/**
 * The Effect half of the session loop: it wires both legs to the synchronous pumps
 * (SessionLoop.ts), watches the sockets (ends, resets, drains, idle timeouts) and handles, one at
 * a time, what the pumps hand over — a backend's kick (KickedFromServer), chat (ChatMessage),
 * packets a RawPacket listener asked for, and actions on the player (messages, titles, kicks).
 *
 * It completes with why the session ended; it never fails. Interrupting it (shutdown, a kick of a
 * forwarding session, a newer login of the same player) destroys both sockets.
 */
import { Effect } from "effect"
import type { SessionCommands } from "../../command/SessionCommands.ts"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { Events } from "../../event/EventBus.ts"
import type { ChatResult, KickedResult, PlayerRef } from "../../event/ProxyEvent.ts"
import { ByteWriter, isEncodedBytes } from "../../protocol/ByteWriter.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError } from "../../protocol/ProtocolError.ts"
import { encodeDisconnect, encodeSystemText, encodeTitle, type OutPacket, type Text } from "../../protocol/TextPackets.ts"
import type { IdleWatch } from "../../relay/IdleWatch.ts"
import { makeWatched } from "../../relay/Relay.ts"
import type { PlayerAction } from "../../session/PlayerAction.ts"
import { resumeReading } from "../../socket/ResumeReading.ts"
import type { PacketLeg } from "./PacketLeg.ts"
import { type LegState, type LoopEnd, SessionPumps, type SlowItem } from "./SessionLoop.ts"

export interface DriverOptions {
  readonly client: PacketLeg
  readonly backend: PacketLeg
  readonly protocol: number
  readonly table: PacketTable
  readonly initial: LegState
  readonly player: PlayerRef
  readonly server: LoadedServer
  readonly timeouts: { readonly readTimeoutMs: number; readonly writeTimeoutMs: number }
  readonly idleWatch: IdleWatch["Service"]
  readonly events: Events["Service"]
  /** The proxy's commands for this player (chat commands, tab completion, the command graph). */
  readonly commands: SessionCommands
  /** Receives the function that queues actions for this session, while it runs. */
  readonly onActor: (act: ((action: PlayerAction) => Effect.Effect<boolean>) | undefined) => void
}

/** A reason as a text component: JSON text (a backend's) stays a component, anything else is plain text. */
export const textOf = (reason: string): Text => {
  if (!reason.startsWith("{") && !reason.startsWith("\"")) return reason
  // JSON.parse reports bad JSON by throwing; plain text is then the answer (this is no Effect).
  try {
    const parsed = JSON.parse(reason) as unknown
    return typeof parsed === "string" ? parsed : typeof parsed === "object" && parsed !== null ? (parsed as Exclude<Text, string>) : reason
  } catch {
    return reason
  }
}

const DEFAULT_TITLE = { fadeIn: 10, stay: 70, fadeOut: 20 }

export const driveSession = (o: DriverOptions): Effect.Effect<LoopEnd> =>
  Effect.suspend(() => {
    const { backend, client, events } = o
    const pumps = new SessionPumps({ client, backend, protocol: o.protocol, table: o.table, events, initial: o.initial })
    let backendGone = false

    const send = (packets: OutPacket | ReadonlyArray<OutPacket> | { readonly _tag: "ProtocolError" }): boolean => {
      if (isProtocolError(packets)) return false
      for (const p of Array.isArray(packets) ? packets : [packets as OutPacket]) if (client.send(p.id, p.payload) !== undefined) return false
      return true
    }
    /** Ends the session with a Disconnect the player reads, in the state its connection is in. */
    const disconnect = (reason: Text, detail: string) => {
      send(encodeDisconnect(o.protocol, pumps.state.down, reason))
      pumps.end({ reason: "kicked", detail })
    }

    const onKick = (reason: string) =>
      Effect.gen(function*() {
        const initial: KickedResult = { _tag: "DisconnectPlayer", reason }
        const result = yield* events.fire({ _tag: "KickedFromServer", player: o.player, server: o.server.id, reason }, initial)
        switch (result._tag) {
          case "DisconnectPlayer":
            return disconnect(textOf(result.reason), `kicked by the backend: ${reason}`)
          case "Notify":
            if (pumps.state.down === "play") send(encodeSystemText(o.protocol, textOf(result.message), false))
            return disconnect(textOf(reason), `kicked by the backend: ${reason}`)
          default:
            yield* Effect.logWarning(`a plugin answered KickedFromServer with ${result._tag}, which needs server switching and limbo (not available yet); disconnecting ${o.player.name}`)
            return disconnect(textOf(reason), `kicked by the backend: ${reason}`)
        }
      })

    const act = (action: PlayerAction): boolean => {
      if (action._tag === "Kick") return (disconnect(action.reason, "kicked by the proxy"), true)
      if (pumps.state.down !== "play") return false
      switch (action._tag) {
        case "Message":
          return send(encodeSystemText(o.protocol, action.text, false))
        case "ActionBar":
          return send(encodeSystemText(o.protocol, action.text, true))
        case "Title":
          return send(encodeTitle(o.protocol, { ...DEFAULT_TITLE, ...definedOnly(action), title: action.title, subtitle: action.subtitle }))
        case "Switch":
          return false
      }
    }

    const handle = (item: SlowItem): Effect.Effect<void> => {
      switch (item._tag) {
        case "BackendKick":
          return onKick(item.reason)
        case "BackendGone":
          return onKick(JSON.stringify({ text: "Lost connection to the server" }))
        case "Chat": {
          const chat = Effect.map(
            events.fire({ _tag: "ChatMessage", player: o.player, message: item.input.message, command: item.input.command }, { _tag: "Allow" }),
            (result) => {
              if (result._tag !== "Deny") backend.send(item.id, modified(item, result) ?? item.payload)
              pumps.release("serverbound")
            }
          )
          // A command the proxy runs is consumed before ChatMessage, as in Infrarust.
          if (!item.input.command || item.packet === "chat_message") return chat
          return Effect.flatMap(o.commands.command(item.packet, item.payload, item.input.message), (consumed) =>
            consumed === undefined ? chat : Effect.sync(() => {
              for (const p of consumed) backend.send(p.id, p.payload)
              pumps.release("serverbound")
            }))
        }
        case "TabComplete":
          return Effect.map(o.commands.tabComplete(item.payload), (answer) => {
            if (answer === undefined) backend.send(item.id, item.payload)
            else client.send(answer.id, answer.payload)
            pumps.release("serverbound")
          })
        case "DeclareCommands":
          return Effect.map(o.commands.declareCommands(item.payload), (payload) => {
            client.send(item.id, payload)
            pumps.release("clientbound")
          })
        case "Raw":
          return Effect.map(
            events.fire({ _tag: "RawPacket", player: o.player, direction: item.direction, state: item.state, packetId: item.id, data: item.data }, { _tag: "Pass" }),
            (result) => {
              const to = item.direction === "serverbound" ? backend : client
              if (result._tag !== "Drop") to.send(item.id, result._tag === "Modify" ? result.data : item.data)
              pumps.release(item.direction)
            }
          )
      }
    }

    const next = Effect.callback<SlowItem | LoopEnd>((resume) => {
      const check = () => {
        const item = pumps.items.shift()
        if (item !== undefined) return (pumps.wake = () => {}, resume(Effect.succeed(item)))
        if (pumps.ended !== undefined) return (pumps.wake = () => {}, resume(Effect.succeed(pumps.ended)))
      }
      pumps.wake = check
      check()
      return Effect.sync(() => {
        pumps.wake = () => {}
      })
    })

    // Sockets: ends, resets and drains reach the pumps.
    const clientSocket = client.socket
    const backendSocket = backend.socket
    clientSocket.on("end", () => pumps.end({ reason: "client_closed" }))
    clientSocket.on("close", () => pumps.end({ reason: "client_closed" }))
    clientSocket.on("error", (e) => pumps.end({ reason: "client_error", detail: e.message }))
    client.written = () => pumps.drained("client")
    const backendEnded = () => {
      if (backendGone || pumps.ended !== undefined) return
      backendGone = true
      pumps.items.push({ _tag: "BackendGone" })
      pumps.wake()
    }
    backendSocket.on("end", backendEnded)
    backendSocket.on("close", backendEnded)
    backendSocket.on("error", (e) => (backendGone ? undefined : pumps.end({ reason: "backend_error", detail: e.message })))
    backend.written = () => pumps.drained("backend")
    client.handler = (n, buf) => (client.reader.push(buf.subarray(0, n)), pumps.pumpUp())
    backend.handler = (n, buf) => (backend.reader.push(buf.subarray(0, n)), pumps.pumpDown())
    const unwatch = o.idleWatch.add(makeWatched(clientSocket, backendSocket, o.timeouts, (why) => pumps.end({ reason: why })))
    // Actions are carried out at once, from whichever fiber asks: writes are synchronous, and
    // between two reads neither writer holds anything (each pump flushes what it queued).
    o.onActor((action) => Effect.sync(() => pumps.ended === undefined && act(action)))
    // Bytes that arrived during the logins are waiting in the readers.
    if (pumps.pumpDown()) resumeReading(backendSocket)
    if (pumps.pumpUp()) resumeReading(clientSocket)

    const loop: Effect.Effect<LoopEnd> = Effect.flatMap(next, (item) =>
      "_tag" in item ? Effect.andThen(handle(item), loop) : Effect.succeed(item))
    return loop.pipe(
      Effect.ensuring(Effect.sync(() => {
        unwatch()
        o.onActor(undefined)
      }))
    )
  })

/**
 * A chat message a listener rewrote: possible for unsigned chat (the `chat` packet, before 1.19,
 * whose only field is the text); signed chat (1.19+) is forwarded as written, since changing it
 * would break its signature.
 */
const modified = (item: Extract<SlowItem, { _tag: "Chat" }>, result: ChatResult): Uint8Array | undefined => {
  if (result._tag !== "Modify" || item.packet !== "chat") return undefined
  const text = item.input.command ? `/${result.message}` : result.message
  const payload = new ByteWriter().string(text, MAX_CHAT_CHARS, "message").finish()
  return isEncodedBytes(payload) ? payload : undefined
}

/** Vanilla's chat limit (256 characters). */
const MAX_CHAT_CHARS = 256

const definedOnly = (t: { readonly fadeIn?: number | undefined; readonly stay?: number | undefined; readonly fadeOut?: number | undefined }) => ({
  ...(t.fadeIn === undefined ? {} : { fadeIn: t.fadeIn }),
  ...(t.stay === undefined ? {} : { stay: t.stay }),
  ...(t.fadeOut === undefined ? {} : { fadeOut: t.fadeOut })
})
