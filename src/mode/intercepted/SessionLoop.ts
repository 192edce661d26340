/**
 * The session loop of the intercepted modes (reference §2.13): both legs read through `onread`,
 * every frame cut by the leg's reader, and almost every frame forwarded as it is (re-framed only
 * where the two legs' compression differs) — synchronously, inside the read callback, so relayed
 * bytes never pass through Effect.
 *
 * A frame is looked at only when its id is one the loop tracks in the current state (an array
 * index per frame): the state switches (Start Configuration, Finish Configuration and their
 * acknowledgements), a backend's Disconnect, the player's chat and commands when someone listens
 * to ChatMessage, the player's commands and tab completion and the backend's command graph (the
 * proxy's own commands, src/command/), Chat Session Update (dropped: offline backends cannot
 * check chat keys), and packets a RawPacket listener asked for. What needs an Effect (an event, a plugin's action) is
 * a *slow item*: the direction it came from is paused at that frame (the rest of its bytes kept
 * by its reader) and the session's fiber handles it (Interception.ts), then resumes it.
 *
 * Backpressure as in the raw relay: a direction whose writes the other socket has not taken yet
 * is paused until that socket drains, so a slow player never grows our memory and no read
 * buffer is reused while a write still holds it.
 */
import type { Events } from "../../event/EventBus.ts"
import type { ReadFrame } from "../../packet/ReadFrame.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError } from "../../protocol/ProtocolError.ts"
import { decodeChatInput, decodeTextField, type ChatInput } from "../../protocol/TextPackets.ts"
import { resumeReading } from "../../socket/ResumeReading.ts"
import type { PacketLeg } from "./PacketLeg.ts"

export type LegState = "configuration" | "play"

export type LoopEndReason =
  | "client_closed"
  | "backend_closed"
  | "client_error"
  | "backend_error"
  | "read_timeout"
  | "write_timeout"
  | "protocol_error"
  | "kicked"

export interface LoopEnd {
  readonly reason: LoopEndReason
  readonly detail?: string
}

/** What the session's fiber must decide on. */
export type SlowItem =
  | { readonly _tag: "BackendKick"; readonly state: LegState; readonly reason: string }
  | { readonly _tag: "BackendGone" }
  | { readonly _tag: "Chat"; readonly input: ChatInput; readonly id: number; readonly payload: Uint8Array; readonly packet: "chat" | "chat_message" | "chat_command" | "chat_command_signed" }
  | { readonly _tag: "Raw"; readonly direction: "serverbound" | "clientbound"; readonly state: LegState; readonly id: number; readonly data: Uint8Array }
  /** The proxy's commands (src/command/SessionCommands.ts): a tab-complete request, the backend's command graph. */
  | { readonly _tag: "TabComplete" | "DeclareCommands"; readonly id: number; readonly payload: Uint8Array }

export interface LoopState {
  down: LegState
  up: LegState
}

const CHAT_PACKETS = new Set(["chat", "chat_message", "chat_command", "chat_command_signed"])

/**
 * The synchronous half of the loop: two pumps and the queue of slow items. `wake` is called when
 * an item is queued or the loop ends; the fiber reads `take()` / `ended`.
 */
export class SessionPumps {
  readonly state: LoopState
  readonly items: Array<SlowItem> = []
  ended: LoopEnd | undefined = undefined
  wake: () => void = () => {}
  /** A direction waiting for a decision on its slow item. */
  private holdUp = false
  private holdDown = false
  /** A direction waiting for the other socket to drain. */
  private drainUp = false
  private drainDown = false

  private readonly client: PacketLeg
  private readonly backend: PacketLeg
  private readonly protocol: number
  private readonly table: PacketTable
  private readonly events: Events["Service"]

  constructor(options: {
    readonly client: PacketLeg
    readonly backend: PacketLeg
    readonly protocol: number
    readonly table: PacketTable
    readonly events: Events["Service"]
    readonly initial: LegState
  }) {
    this.client = options.client
    this.backend = options.backend
    this.protocol = options.protocol
    this.table = options.table
    this.events = options.events
    this.state = { down: options.initial, up: options.initial }
  }

  end(end: LoopEnd): void {
    if (this.ended !== undefined) return
    this.ended = end
    this.wake()
  }

  private slow(item: SlowItem): void {
    this.items.push(item)
    this.wake()
  }


  /** Backend → player: until the reader needs more bytes, a slow item holds it, or the player's socket is full. */
  pumpDown(): boolean {
    const { backend, client } = this
    while (!this.holdDown && this.ended === undefined) {
      const frame = backend.reader.next()
      if (frame._tag === "NeedMore") break
      if (frame._tag === "ProtocolError") return (this.end({ reason: "protocol_error", detail: `from the backend: ${frame.message}` }), false)
      const failed = this.down(frame)
      if (failed !== undefined) return (this.end({ reason: "protocol_error", detail: failed }), false)
    }
    if (this.holdDown) backend.reader.detach()
    client.flush()
    if (client.socket.writableLength > 0) this.drainDown = true
    return !this.holdDown && !this.drainDown
  }

  /** Player → backend, likewise. */
  pumpUp(): boolean {
    const { backend, client } = this
    while (!this.holdUp && this.ended === undefined) {
      const frame = client.reader.next()
      if (frame._tag === "NeedMore") break
      if (frame._tag === "ProtocolError") return (this.end({ reason: "protocol_error", detail: `from the player: ${frame.message}` }), false)
      const failed = this.up(frame)
      if (failed !== undefined) return (this.end({ reason: "protocol_error", detail: failed }), false)
    }
    if (this.holdUp) client.reader.detach()
    backend.flush()
    if (backend.socket.writableLength > 0) this.drainUp = true
    return !this.holdUp && !this.drainUp
  }

  /** A clientbound frame: forward it, switch state, or hand it to the fiber. An error text when it is unusable. */
  private down(frame: ReadFrame): string | undefined {
    const id = frame.packetId()
    if (isProtocolError(id)) return `from the backend: ${id.message}`
    const state = this.state.down
    const name = this.table[state].clientbound.names[id]
    if (name !== undefined) {
      if ((state === "play" && name === "kick_disconnect") || (state === "configuration" && name === "disconnect")) {
        const payload = frame.payload()
        const reason = isProtocolError(payload) ? payload : decodeTextField(this.protocol, payload)
        this.holdDown = true
        this.slow({ _tag: "BackendKick", state, reason: isProtocolError(reason) ? JSON.stringify({ text: "Disconnected" }) : reason })
        return undefined
      }
      if (state === "play" && name === "declare_commands") return this.commandPacket("DeclareCommands", id, frame)
      if (state === "play" && name === "start_configuration") this.state.down = "configuration"
      else if (state === "configuration" && name === "finish_configuration") this.state.down = "play"
    }
    if (this.events.wantsPacket("clientbound", state, id)) return this.raw("clientbound", state, id, frame)
    const failed = this.client.writer.forward(frame)
    return failed === undefined ? undefined : `to the player: ${failed.message}`
  }

  private up(frame: ReadFrame): string | undefined {
    const id = frame.packetId()
    if (isProtocolError(id)) return `from the player: ${id.message}`
    const state = this.state.up
    const name = this.table[state].serverbound.names[id]
    if (name !== undefined) {
      if (state === "play") {
        // Offline backends cannot verify chat keys; vanilla would kick for a session it cannot check.
        if (name === "chat_session_update") return undefined
        if (name === "tab_complete") return this.commandPacket("TabComplete", id, frame)
        // Commands may be the proxy's; plain chat (1.19+ chat_message) matters only to listeners.
        if (CHAT_PACKETS.has(name) && (name !== "chat_message" || this.events.wants("ChatMessage"))) return this.chat(name as SlowChatName, id, frame)
        if (name === "configuration_acknowledged") this.state.up = "configuration"
      } else if (name === "finish_configuration") {
        this.state.up = "play"
      }
    }
    if (this.events.wantsPacket("serverbound", state, id)) return this.raw("serverbound", state, id, frame)
    const failed = this.backend.writer.forward(frame)
    return failed === undefined ? undefined : `to the backend: ${failed.message}`
  }

  private chat(packet: SlowChatName, id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return `from the player: ${payload.message}`
    const input = decodeChatInput(packet, payload)
    if (isProtocolError(input)) return `from the player: ${input.message}`
    if (!input.command && !this.events.wants("ChatMessage")) {
      const failed = this.backend.writer.forward(frame)
      return failed === undefined ? undefined : `to the backend: ${failed.message}`
    }
    this.holdUp = true
    this.slow({ _tag: "Chat", input, id, payload: payload.slice(), packet })
    return undefined
  }

  private raw(direction: "serverbound" | "clientbound", state: LegState, id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return payload.message
    if (direction === "serverbound") this.holdUp = true
    else this.holdDown = true
    this.slow({ _tag: "Raw", direction, state, id, data: payload.slice() })
    return undefined
  }

  /** A packet the proxy's commands decide on, held until they have. */
  private commandPacket(tag: "TabComplete" | "DeclareCommands", id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return payload.message
    if (tag === "TabComplete") this.holdUp = true
    else this.holdDown = true
    this.slow({ _tag: tag, id, payload: payload.slice() })
    return undefined
  }

  /** The fiber decided on the held item of `direction`: read on. */
  release(direction: "serverbound" | "clientbound"): void {
    if (direction === "serverbound") {
      this.holdUp = false
      if (this.pumpUp()) resumeReading(this.client.socket)
    } else {
      this.holdDown = false
      if (this.pumpDown()) resumeReading(this.backend.socket)
    }
  }

  /** The socket of `side` drained: the direction writing to it may read on. */
  drained(side: "client" | "backend"): void {
    if (side === "client" && this.drainDown && this.client.socket.writableLength === 0) {
      this.drainDown = false
      if (this.pumpDown()) resumeReading(this.backend.socket)
    } else if (side === "backend" && this.drainUp && this.backend.socket.writableLength === 0) {
      this.drainUp = false
      if (this.pumpUp()) resumeReading(this.client.socket)
    }
  }
}

type SlowChatName = "chat" | "chat_message" | "chat_command" | "chat_command_signed"

