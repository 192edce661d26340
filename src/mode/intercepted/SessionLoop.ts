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
 *
 * The backend is replaceable (server switching, fallback): {@link SessionPumps.dropBackend}
 * lets go of the current one, {@link SessionPumps.beginSwitch} starts relaying a new one through
 * a {@link Transition} (SwitchTransition.ts), during which the player's packets of the old
 * play state are dropped, never delivered to the new backend.
 */
import type { Events } from "../../event/EventBus.ts"
import type { ReadFrame } from "../../packet/ReadFrame.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError } from "../../protocol/ProtocolError.ts"
import { decodeChatInput, decodeTextField, type ChatInput } from "../../protocol/TextPackets.ts"
import { SpawnGate } from "../../protocol/JoinGame.ts"
import { uuidFromBytes } from "../../protocol/Uuid.ts"
import { resumeReading } from "../../socket/ResumeReading.ts"
import type { PacketLeg } from "./PacketLeg.ts"
import { afterJoinGame, answersBarrier, cleanups, startConfiguration, type Transition } from "./SwitchTransition.ts"

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
  | {
    readonly _tag: "Chat"
    readonly input: ChatInput
    readonly id: number
    readonly payload: Uint8Array
    readonly packet: "chat" | "chat_message" | "chat_command" | "chat_command_signed"
    /** The backend generation it belongs to (see {@link SessionPumps.generation}). */
    readonly generation: number
  }
  | {
    readonly _tag: "Raw"
    readonly direction: "serverbound" | "clientbound"
    readonly state: LegState
    readonly id: number
    readonly data: Uint8Array
    readonly generation: number
  }
  /** The proxy's commands (src/command/SessionCommands.ts): a tab-complete request, the backend's command graph. */
  | { readonly _tag: "TabComplete" | "DeclareCommands"; readonly id: number; readonly payload: Uint8Array; readonly generation: number }

/** A configuration-phase frame of a backend (packet id and payload, copied). */
export interface ConfigurationFrame {
  readonly id: number
  readonly payload: Uint8Array
}

/** The registry frames of a backend's configuration phase, for a cache of them (limbo). */
export type ConfigurationFramesHook = (protocol: number, frames: ReadonlyArray<ConfigurationFrame>) => void

/** Configuration packets that describe the registries (what a proxy-hosted world needs to replay). */
const REGISTRY_FRAMES = new Set(["registry_data", "select_known_packs", "feature_flags", "tags"])

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
  /** The backend relayed now; absent between two backends. */
  backend: PacketLeg | undefined
  /**
   * Counts the backends let go of: an item decided after its backend was replaced (a listener
   * still deciding on a chat message during a switch) must not reach the new one.
   */
  generation = 0
  /** A server switch under way (or a backend lost, none chosen yet). */
  transition: Transition | undefined = undefined
  /** Boss bars the current server added (before 1.20.2 a new Join Game leaves them on screen). */
  private readonly bossBars = new Set<string>()
  private readonly protocol: number
  private readonly table: PacketTable
  private readonly events: Events["Service"]
  private readonly onConfigurationFrames: ConfigurationFramesHook | undefined
  private captured: Array<ConfigurationFrame> | undefined = undefined

  constructor(options: {
    readonly client: PacketLeg
    readonly backend: PacketLeg
    readonly protocol: number
    readonly table: PacketTable
    readonly events: Events["Service"]
    readonly initial: LegState
    readonly onConfigurationFrames?: ConfigurationFramesHook | undefined
  }) {
    this.client = options.client
    this.backend = options.backend
    this.protocol = options.protocol
    this.table = options.table
    this.events = options.events
    this.onConfigurationFrames = options.onConfigurationFrames
    this.state = { down: options.initial, up: options.initial }
  }

  /** Both legs in play and no switch under way: a switch may start. */
  get settled(): boolean {
    return this.ended === undefined && this.transition === undefined && this.state.down === "play" && this.state.up === "play"
  }

  /**
   * Lets go of the current backend (it is gone, or being replaced): its pending items and holds
   * are dropped, and until a new one is relayed the player's packets are dropped too. A switch
   * under way is abandoned (its `onDone(false)`).
   */
  dropBackend(): void {
    this.backend = undefined
    this.generation++
    this.items.length = 0
    this.holdUp = this.holdDown = this.drainUp = this.drainDown = false
    const t = this.transition
    if (t === undefined || t.phase !== "orphaned") {
      this.transition = { phase: "orphaned", next: undefined, barrier: undefined, onDone: () => {} }
      t?.onDone(false)
    }
  }

  /**
   * Starts relaying `next`, a backend the player just logged in to (in configuration from 1.20.2,
   * else in play), after {@link dropBackend}. `onDone` runs once the player is on it.
   */
  beginSwitch(next: PacketLeg, onDone: (ok: boolean) => void): string | undefined {
    this.dropBackend()
    if (this.table.play.clientbound.ids.start_configuration !== undefined) {
      const start = startConfiguration(this.table)
      if (isProtocolError(start)) return start.message
      // Titles survive reconfiguration: cleared while the client is still in play.
      for (const p of [...cleanups(this.protocol, this.table, this.bossBars), start]) this.client.send(p.id, p.payload)
      this.bossBars.clear()
      this.transition = { phase: "reconfiguring", next, barrier: undefined, onDone }
    } else {
      this.backend = next
      this.transition = { phase: "joining", next, barrier: undefined, onDone }
    }
    if (this.pumpDown() && this.backend !== undefined) resumeReading(next.socket)
    if (this.pumpUp()) resumeReading(this.client.socket)
    return undefined
  }

  private finishSwitch(): void {
    const t = this.transition
    if (t === undefined) return
    this.transition = undefined
    t.phase = "done"
    t.onDone(true)
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
    if (backend === undefined) return false
    while (!this.holdDown && this.ended === undefined && backend === this.backend) {
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
    const { client } = this
    while (!this.holdUp && this.ended === undefined) {
      const frame = client.reader.next()
      if (frame._tag === "NeedMore") break
      if (frame._tag === "ProtocolError") return (this.end({ reason: "protocol_error", detail: `from the player: ${frame.message}` }), false)
      const failed = this.up(frame)
      if (failed !== undefined) return (this.end({ reason: "protocol_error", detail: failed }), false)
    }
    if (this.holdUp) client.reader.detach()
    const backend = this.backend
    backend?.flush()
    if (backend !== undefined && backend.socket.writableLength > 0) this.drainUp = true
    return !this.holdUp && !this.drainUp
  }

  /** A clientbound frame: forward it, switch state, or hand it to the fiber. An error text when it is unusable. */
  private down(frame: ReadFrame): string | undefined {
    const id = frame.packetId()
    if (isProtocolError(id)) return `from the backend: ${id.message}`
    const state = this.state.down
    const name = this.table[state].clientbound.names[id]
    if (this.transition?.phase === "joining" && name !== "kick_disconnect") return this.joining(frame, name)
    if (name !== undefined) {
      if (state === "configuration" && this.onConfigurationFrames !== undefined) this.capture(name, id, frame)
      if (state === "play" && name === "boss_bar") this.trackBossBar(frame)
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
    // 1.20.2+: the new server's Join Game ends its configuration, and the switch.
    if (state === "play" && name === "login" && this.transition?.phase === "configuring") this.finishSwitch()
    return failed === undefined ? undefined : `to the player: ${failed.message}`
  }

  private up(frame: ReadFrame): string | undefined {
    const id = frame.packetId()
    if (isProtocolError(id)) return `from the player: ${id.message}`
    const state = this.state.up
    const name = this.table[state].serverbound.names[id]
    if (this.transition !== undefined && this.transition.phase !== "configuring") return this.absorb(id, name, frame)
    const backend = this.backend
    if (backend === undefined) return undefined
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
    const failed = backend.writer.forward(frame)
    return failed === undefined ? undefined : `to the backend: ${failed.message}`
  }

  private chat(packet: SlowChatName, id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return `from the player: ${payload.message}`
    const input = decodeChatInput(packet, payload)
    if (isProtocolError(input)) return `from the player: ${input.message}`
    if (!input.command && !this.events.wants("ChatMessage")) {
      const failed = this.backend?.writer.forward(frame)
      return failed === undefined ? undefined : `to the backend: ${failed.message}`
    }
    this.holdUp = true
    this.slow({ _tag: "Chat", input, id, payload: payload.slice(), packet, generation: this.generation })
    return undefined
  }

  /** A player's packet during a switch: dropped, unless it is the one that moves the switch on. */
  private absorb(id: number, name: string | undefined, frame: ReadFrame): string | undefined {
    const t = this.transition!
    if (t.phase === "reconfiguring" && this.state.up === "play" && name === "configuration_acknowledged") {
      // The client left play: from now on it reads configuration packets, the new backend's.
      this.state.up = "configuration"
      this.state.down = "configuration"
      this.backend = t.next
      t.phase = "configuring"
      if (this.pumpDown()) resumeReading(t.next!.socket)
    } else if (t.phase === "barrier" && answersBarrier(t, id, this.table, () => frame.payload())) {
      this.finishSwitch()
    }
    return undefined
  }

  /** The new backend's packets before its Join Game are dropped (no world for them yet); the Join Game moves the player. */
  private joining(frame: ReadFrame, name: string | undefined): string | undefined {
    if (name !== "login") return undefined
    const payload = frame.payload()
    if (isProtocolError(payload)) return `from the backend: ${payload.message}`
    const after = afterJoinGame(this.protocol, this.table, payload, this.bossBars)
    if (isProtocolError(after)) return `the new server's Join Game: ${after.message}`
    this.bossBars.clear()
    const forwarded = this.client.writer.forward(frame)
    if (forwarded !== undefined) return `to the player: ${forwarded.message}`
    for (const p of after) {
      const failed = this.client.writer.writePacket(p.id, p.payload)
      if (failed !== undefined) return `to the player: ${failed.message}`
    }
    const t = this.transition!
    t.phase = "barrier"
    t.barrier = after[after.length - 1]!.payload
    return undefined
  }

  /** Registry frames of a configuration phase, handed to the hook at its end (1.20.2+). */
  private capture(name: string, id: number, frame: ReadFrame): void {
    if (name === "finish_configuration") {
      const frames = this.captured
      this.captured = undefined
      if (frames !== undefined && frames.length > 0) this.onConfigurationFrames!(this.protocol, frames)
      return
    }
    if (!REGISTRY_FRAMES.has(name)) return
    const payload = frame.payload()
    if (!isProtocolError(payload)) (this.captured ??= []).push({ id, payload: payload.slice() })
  }

  /** Boss bar adds (action 0) and removals (1), before 1.20.2: the UUID, then the action (one VarInt byte). */
  private trackBossBar(frame: ReadFrame): void {
    if (this.protocol >= SpawnGate.V1_20_2) return
    const payload = frame.payload()
    if (isProtocolError(payload) || payload.length < 17) return
    const bar = uuidFromBytes(payload, 0)
    if (payload[16] === 0) this.bossBars.add(bar)
    else if (payload[16] === 1) this.bossBars.delete(bar)
  }

  private raw(direction: "serverbound" | "clientbound", state: LegState, id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return payload.message
    if (direction === "serverbound") this.holdUp = true
    else this.holdDown = true
    this.slow({ _tag: "Raw", direction, state, id, data: payload.slice(), generation: this.generation })
    return undefined
  }

  /** A packet the proxy's commands decide on, held until they have. */
  private commandPacket(tag: "TabComplete" | "DeclareCommands", id: number, frame: ReadFrame): string | undefined {
    const payload = frame.payload()
    if (isProtocolError(payload)) return payload.message
    if (tag === "TabComplete") this.holdUp = true
    else this.holdDown = true
    this.slow({ _tag: tag, id, payload: payload.slice(), generation: this.generation })
    return undefined
  }

  /** The fiber decided on the held item of `direction`: read on. */
  release(direction: "serverbound" | "clientbound"): void {
    if (direction === "serverbound") {
      this.holdUp = false
      if (this.pumpUp()) resumeReading(this.client.socket)
    } else {
      this.holdDown = false
      if (this.pumpDown() && this.backend !== undefined) resumeReading(this.backend.socket)
    }
  }

  /** The socket of `side` drained: the direction writing to it may read on. */
  drained(side: "client" | "backend"): void {
    if (side === "client" && this.drainDown && this.client.socket.writableLength === 0) {
      this.drainDown = false
      if (this.pumpDown() && this.backend !== undefined) resumeReading(this.backend.socket)
    } else if (side === "backend" && this.drainUp && (this.backend?.socket.writableLength ?? 0) === 0) {
      this.drainUp = false
      if (this.pumpUp()) resumeReading(this.client.socket)
    }
  }
}

type SlowChatName = "chat" | "chat_message" | "chat_command" | "chat_command_signed"


