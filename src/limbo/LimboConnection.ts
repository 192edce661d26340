/**
 * The limbo's side of one player connection: a minimal server that speaks the *server* half of
 * the protocol over any Duplex (a TCP socket, or one end of `duplexPair()` when the session's
 * backend login talks to it as to a backend).
 *
 *   handshake → Login Start → Login Success (offline: no encryption, no compression)
 *   → 1.20.2+: Feature Flags, [1.20.5+: Known Packs offer, the player's answer], Registry Data,
 *     Finish Configuration, the player's acknowledgement
 *   → Join Game into the End, the spawn sequence → play: keep-alives, chat and commands in.
 *
 * Plain synchronous code driven by the stream's 'data' events (the data plane); what happens is
 * reported through {@link LimboConnectionEvents}, and the Effect half (Limbo.ts) writes
 * keep-alives, messages and titles through the methods. Never throws on input: a bad frame closes
 * the connection with the ProtocolError as the reason.
 */
import { createHash } from "node:crypto"
import type { Duplex } from "node:stream"
import { FrameReader } from "../packet/FrameReader.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeLoginDisconnect } from "../protocol/Disconnect.ts"
import { encodeFrame } from "../protocol/Frame.ts"
import { decodeHandshake, NextState } from "../protocol/Handshake.ts"
import { decodeLoginStart } from "../protocol/LoginStart.ts"
import { encodeLoginSuccess } from "../protocol/LoginSuccess.ts"
import { packetId, packetName } from "../protocol/PacketIds.ts"
import { isProtocolError, malformed, type ProtocolError } from "../protocol/ProtocolError.ts"
import { type ChatInput, decodeChatInput, encodeDisconnect, encodeSystemText, encodeTitle, type OutPacket, type Text, type Title } from "../protocol/TextPackets.ts"
import { uuidFromBytes } from "../protocol/Uuid.ts"
import { limboData, type LimboVersionData } from "./LimboData.ts"
import { decodeKeepAlive, decodeKnownPacks, encodeKeepAlive, knowsCorePack } from "./LimboPackets.ts"

const PROTOCOL_CONFIGURATION = 764
const PROTOCOL_KNOWN_PACKS = 766

export interface LimboPlayerIdentity {
  readonly name: string
  readonly uuid: string
  readonly protocol: number
}

/** Registry frames captured from a real backend of this protocol (LimboRegistries). */
export interface CapturedRegistries {
  /** Registry Data and Update Tags packets, in the order the backend sent them. */
  readonly packets: ReadonlyArray<OutPacket>
  /** Some entries carry no data: usable only for a player that knows `minecraft:core`. */
  readonly needsCorePack: boolean
}

export type LimboCloseReason =
  | { readonly _tag: "PeerClosed" }
  | { readonly _tag: "Unsupported"; readonly detail: string }
  | { readonly _tag: "Protocol"; readonly error: ProtocolError }
  | { readonly _tag: "Closed"; readonly detail: string }

export interface LimboConnectionEvents {
  readonly onLogin: (player: LimboPlayerIdentity) => void
  /** The player is in the world (Join Game and the spawn sequence were written). */
  readonly onPlay: () => void
  readonly onChat: (input: ChatInput) => void
  readonly onKeepAlive: (id: bigint) => void
  /** Once, when the connection ends for any reason. */
  readonly onClose: (reason: LimboCloseReason) => void
}

export interface LimboConnectionOptions {
  readonly registries: (protocol: number) => CapturedRegistries | undefined
  /** The identity a pre-1.20.2 player gets when its Login Start carries no UUID (default: offline UUID). */
  readonly uuidFor?: (name: string) => string | undefined
}

type State = "handshake" | "login" | "acknowledge" | "packs" | "finish" | "play" | "closed"

/** Java's offline-mode UUID, as src/auth/OfflineUuid.ts (a folder of the same layer, which limbo may not import). */
const offlineUuid = (name: string): string => {
  const d = createHash("md5").update(`OfflinePlayer:${name}`, "utf8").digest()
  d[6] = (d[6]! & 0x0f) | 0x30
  d[8] = (d[8]! & 0x3f) | 0x80
  return uuidFromBytes(d, 0)
}

export class LimboConnection {
  private readonly stream: Duplex
  private readonly events: LimboConnectionEvents
  private readonly options: LimboConnectionOptions
  // Vanilla's own frame limit: the player's frames are read whole, and the reader holds at most one.
  private readonly reader = new FrameReader()
  private state: State = "handshake"
  private protocol = 0
  private data: LimboVersionData | undefined = undefined
  private readonly onData = (chunk: Buffer) => this.push(chunk)
  private readonly onEnd = () => this.close({ _tag: "PeerClosed" })

  constructor(stream: Duplex, events: LimboConnectionEvents, options: LimboConnectionOptions) {
    this.stream = stream
    this.events = events
    this.options = options
    stream.on("data", this.onData)
    stream.on("end", this.onEnd)
    stream.on("close", this.onEnd)
    stream.on("error", this.onEnd)
  }

  private isClosed(): boolean {
    return this.state === "closed"
  }

  get playing(): boolean {
    return this.state === "play"
  }

  /** Reads a chunk from the player; the chunk is only borrowed (FrameReader copies cut frames). */
  push(chunk: Uint8Array): void {
    if (this.isClosed()) return
    this.reader.push(chunk)
    // A handled frame may close the connection: stop reading then.
    for (let f = this.reader.next(); !this.isClosed(); f = this.reader.next()) {
      if (f._tag === "NeedMore") return
      if (f._tag === "ProtocolError") return this.close({ _tag: "Protocol", error: f })
      const id = f.packetId()
      const payload = f.payload()
      if (isProtocolError(id)) return this.close({ _tag: "Protocol", error: id })
      if (isProtocolError(payload)) return this.close({ _tag: "Protocol", error: payload })
      const failed = this.handle(id, payload, f.raw())
      if (failed !== undefined) return this.close({ _tag: "Protocol", error: failed })
    }
  }

  private handle(id: number, payload: Uint8Array, raw: Uint8Array): ProtocolError | undefined {
    switch (this.state) {
      case "handshake": return this.onHandshake(raw)
      case "login": return this.onLoginStart(raw)
      case "acknowledge": return id === packetId(this.protocol, "login", "serverbound", "login_acknowledged") ? this.startConfiguration() : undefined
      case "packs": return this.onConfigurationPacket(id, payload)
      case "finish": return this.onConfigurationPacket(id, payload)
      case "play": return this.onPlayPacket(id, payload)
      case "closed": return undefined
    }
  }

  private onHandshake(raw: Uint8Array): ProtocolError | undefined {
    const hs = decodeHandshake(raw, 0)
    if (hs._tag !== "Done") return hs._tag === "NeedMore" ? malformed("handshake", "truncated") : hs
    if (hs.value.nextState === NextState.Status) {
      this.close({ _tag: "Unsupported", detail: "a status request (the limbo hosts logins only)" })
      return undefined
    }
    this.protocol = hs.value.protocolVersion
    this.data = limboData(this.protocol)
    this.state = "login"
    return undefined
  }

  private onLoginStart(raw: Uint8Array): ProtocolError | undefined {
    if (this.data === undefined) {
      this.writeFrame(encodeLoginDisconnect("This version of Minecraft cannot be held in limbo."))
      this.close({ _tag: "Unsupported", detail: `protocol ${this.protocol} has no limbo data` })
      return undefined
    }
    const start = decodeLoginStart(raw, 0, this.protocol)
    if (start._tag !== "Done") return start._tag === "NeedMore" ? malformed("login_start", "truncated") : start
    const name = start.value.name
    const uuid = start.value.uuid ?? this.options.uuidFor?.(name) ?? offlineUuid(name)
    const success = encodeLoginSuccess({ uuid, username: name, properties: [] }, this.protocol)
    if (!isEncodedBytes(success)) return success
    this.writeFrame(success)
    this.events.onLogin({ name, uuid, protocol: this.protocol })
    if (this.protocol >= PROTOCOL_CONFIGURATION) this.state = "acknowledge"
    else this.startPlay()
    return undefined
  }

  private startConfiguration(): undefined {
    const data = this.data!
    for (const p of data.configExtra) this.write(p)
    if (this.protocol >= PROTOCOL_KNOWN_PACKS && data.knownPacks !== undefined) {
      this.write(data.knownPacks)
      this.state = "packs"
      return undefined
    }
    this.sendRegistries(false)
    return undefined
  }

  /** Captured registries when they suit this player, else the generated ones; then Finish Configuration. */
  private sendRegistries(knowsCore: boolean): void {
    const data = this.data!
    const captured = this.options.registries(this.protocol)
    const packets = captured !== undefined && (!captured.needsCorePack || knowsCore)
      ? captured.packets
      : knowsCore && data.registriesKeys.length > 0 ? data.registriesKeys : data.registriesFull
    for (const p of packets) this.write(p)
    this.writePacket("configuration", "finish_configuration", new Uint8Array(0))
    this.state = "finish"
  }

  private onConfigurationPacket(id: number, payload: Uint8Array): ProtocolError | undefined {
    const name = packetName(this.protocol, "configuration", "serverbound", id)
    if (this.state === "packs" && name === "select_known_packs") {
      const packs = decodeKnownPacks(payload)
      if (isProtocolError(packs)) return packs
      this.sendRegistries(knowsCorePack(packs))
    } else if (this.state === "finish" && name === "finish_configuration") {
      this.startPlay()
    }
    // Client Information, brand, pongs: nothing to do in a void world.
    return undefined
  }

  private startPlay(): void {
    const data = this.data!
    this.state = "play"
    this.write(data.join)
    for (const p of data.spawn) this.write(p)
    this.events.onPlay()
  }

  private onPlayPacket(id: number, payload: Uint8Array): ProtocolError | undefined {
    const name = packetName(this.protocol, "play", "serverbound", id)
    switch (name) {
      case "keep_alive": {
        const answer = decodeKeepAlive(this.protocol, "play", payload)
        if (isProtocolError(answer)) return answer
        this.events.onKeepAlive(answer)
        return undefined
      }
      case "chat":
      case "chat_message":
      case "chat_command":
      case "chat_command_signed": {
        const input = decodeChatInput(name, payload)
        if (isProtocolError(input)) return input
        this.events.onChat(input)
        return undefined
      }
      default:
        return undefined
    }
  }

  /** A keep-alive to the player (play only); false when it cannot be sent. */
  keepAlive(id: bigint): boolean {
    if (this.state !== "play") return false
    const payload = encodeKeepAlive(this.protocol, "play", id)
    return isEncodedBytes(payload) && this.writePacket("play", "keep_alive", payload)
  }

  /** Chat (or the action bar) for the player; false before play or when the text cannot be encoded. */
  message(text: Text, actionBar: boolean): boolean {
    if (this.state !== "play") return false
    const packet = encodeSystemText(this.protocol, text, actionBar)
    return !isProtocolError(packet) && this.write(packet)
  }

  title(title: Title): boolean {
    if (this.state !== "play") return false
    const packets = encodeTitle(this.protocol, title)
    if (isProtocolError(packets)) return false
    for (const p of packets) this.write(p)
    return true
  }

  /** Shows `reason` as the disconnect screen (in whatever state the player is) and closes. */
  disconnect(reason: Text): void {
    if (this.state === "closed") return
    if (this.state === "play" || this.state === "packs" || this.state === "finish") {
      const packet = encodeDisconnect(this.protocol, this.state === "play" ? "play" : "configuration", reason)
      if (!isProtocolError(packet)) this.write(packet)
    } else if (this.state === "login" || this.state === "acknowledge") {
      this.writeFrame(encodeLoginDisconnect(reason))
    }
    this.close({ _tag: "Closed", detail: "disconnected by the limbo" })
  }

  /** Ends the connection (idempotent); the stream is ended so queued bytes still reach the player. */
  close(reason: LimboCloseReason): void {
    if (this.state === "closed") return
    this.state = "closed"
    this.stream.off("data", this.onData)
    this.stream.off("end", this.onEnd)
    this.stream.off("close", this.onEnd)
    this.stream.off("error", this.onEnd)
    // A later error on a stream nobody listens to would crash the process.
    this.stream.on("error", () => {})
    this.stream.end()
    this.events.onClose(reason)
  }

  private writePacket(state: "play" | "configuration", name: "keep_alive" | "finish_configuration", payload: Uint8Array): boolean {
    const id = state === "play"
      ? packetId(this.protocol, "play", "clientbound", name as "keep_alive")
      : packetId(this.protocol, "configuration", "clientbound", name)
    return id !== undefined && this.write({ id, payload })
  }

  private write(p: OutPacket): boolean {
    return this.writeFrame(encodeFrame(p.id, p.payload))
  }

  private writeFrame(frame: Uint8Array | ProtocolError): boolean {
    if (isProtocolError(frame) || this.stream.destroyed) return false
    this.stream.write(frame)
    return true
  }
}
