/**
 * The few Play and Configuration packets with text that the proxy writes or reads, for every
 * version: disconnects, system chat and the action bar, titles; and the player's chat and
 * commands (serverbound), of which only the text is read.
 *
 * Text fields are JSON strings up to 1.20.2 and anonymous NBT from 1.20.3 (protocol 765).
 * Layouts (minecraft-data's protocol.json; https://minecraft.wiki/w/Java_Edition_protocol):
 * - system text: `chat` {message} (1.7), `chat` {message, position i8} (1.8-1.15; 1 = system,
 *   2 = action bar), + {sender UUID} (1.16-1.18), `system_chat` {content, type varint} (1.19),
 *   {content, isActionBar bool} (1.19.1+);
 * - titles: `title` {action varint, ...} (1.8-1.16; the action numbers shift in 1.11, when the
 *   action bar action was added), `set_title_text`/`set_title_subtitle`/`set_title_time` (1.17+);
 * - chat from the player: `chat` {message} (up to 1.18, commands start with "/"), `chat_message`
 *   and `chat_command` {message|command, ...} (1.19+), `chat_command_signed` (1.20.5+).
 * Each payload starts with the text or command, which is all the proxy reads.
 */
import { ByteWriter, type Encoded, isEncodedBytes } from "./ByteWriter.ts"
import { type JsonObject, textComponentJson } from "./Disconnect.ts"
import { decodeNbt, encodeNbtComponent } from "./Nbt.ts"
import { PacketReader } from "./PacketReader.ts"
import { type PacketName, type PacketState, packetId } from "./PacketIds.ts"
import { isProtocolError, malformed, type ProtocolError, unsupported } from "./ProtocolError.ts"
import { MAX_STRING_CHARS } from "./Utf8.ts"

/** 1.20.3: text components travel as NBT. */
export const PROTOCOL_NBT_TEXT = 765
const PROTOCOL_1_8 = 47
const PROTOCOL_1_11 = 315
const PROTOCOL_1_16 = 735
const PROTOCOL_1_17 = 755
const PROTOCOL_1_19 = 759
const PROTOCOL_1_19_1 = 760

export type Text = string | JsonObject

export interface OutPacket {
  readonly id: number
  readonly payload: Uint8Array
}

/** A text field in `protocol`'s form. */
export const encodeTextField = (protocol: number, text: Text): Encoded => {
  const component = typeof text === "string" ? { text } : text
  if (protocol >= PROTOCOL_NBT_TEXT) return encodeNbtComponent(component)
  const json = textComponentJson(component)
  return json === undefined ? malformed("text", "not serialisable as JSON") : new ByteWriter().string(json, MAX_STRING_CHARS, "text").finish()
}

const packet = <S extends PacketState>(protocol: number, state: S, name: PacketName<S, "clientbound">, payload: Encoded): OutPacket | ProtocolError => {
  if (!isEncodedBytes(payload)) return payload
  const id = packetId(protocol, state, "clientbound", name)
  return id === undefined ? unsupported("packet", `${state} ${name} does not exist in protocol ${protocol}`) : { id, payload }
}

const concat = (...parts: ReadonlyArray<Encoded>): Encoded => {
  const bad = parts.find(isProtocolError)
  if (bad !== undefined) return bad
  const bytes = parts as ReadonlyArray<Uint8Array>
  const out = new Uint8Array(bytes.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of bytes) (out.set(p, at), at += p.length)
  return out
}

/** The Disconnect of the Play (or, 1.20.2+, Configuration) state. */
export const encodeDisconnect = (protocol: number, state: "play" | "configuration", reason: Text): OutPacket | ProtocolError =>
  state === "play"
    ? packet(protocol, "play", "kick_disconnect", encodeTextField(protocol, reason))
    : packet(protocol, "configuration", "disconnect", encodeTextField(protocol, reason))

/** A system message in chat, or over the hotbar (`actionBar`; 1.7 has no action bar: it goes to chat). */
export const encodeSystemText = (protocol: number, text: Text, actionBar: boolean): OutPacket | ProtocolError => {
  const field = encodeTextField(protocol, text)
  if (protocol >= PROTOCOL_1_19_1) return packet(protocol, "play", "system_chat", concat(field, Uint8Array.of(actionBar ? 1 : 0)))
  if (protocol >= PROTOCOL_1_19) return packet(protocol, "play", "system_chat", concat(field, Uint8Array.of(actionBar ? 2 : 1)))
  if (protocol < PROTOCOL_1_8) return packet(protocol, "play", "chat", field)
  const position = Uint8Array.of(actionBar ? 2 : 1)
  return packet(protocol, "play", "chat", protocol >= PROTOCOL_1_16 ? concat(field, position, new Uint8Array(16)) : concat(field, position))
}

export interface Title {
  readonly title: Text
  readonly subtitle?: Text | undefined
  /** Ticks (1/20 s). */
  readonly fadeIn: number
  readonly stay: number
  readonly fadeOut: number
}

const times = (t: Title) => new ByteWriter().i32(t.fadeIn).i32(t.stay).i32(t.fadeOut).finish()

/** The packets that show a title (times first, then subtitle, then the title, which shows it). 1.7 has none. */
export const encodeTitle = (protocol: number, t: Title): ReadonlyArray<OutPacket> | ProtocolError => {
  const out: Array<OutPacket | ProtocolError> = []
  if (protocol < PROTOCOL_1_8) return unsupported("title", `protocol ${protocol} has no titles`)
  if (protocol >= PROTOCOL_1_17) {
    out.push(packet(protocol, "play", "set_title_time", times(t)))
    if (t.subtitle !== undefined) out.push(packet(protocol, "play", "set_title_subtitle", encodeTextField(protocol, t.subtitle)))
    out.push(packet(protocol, "play", "set_title_text", encodeTextField(protocol, t.title)))
  } else {
    // 1.8-1.10: 0 title, 1 subtitle, 2 times; 1.11-1.16 inserted 2 = action bar: times is 3.
    const timesAction = protocol >= PROTOCOL_1_11 ? 3 : 2
    const action = (n: number, rest: Encoded) => packet(protocol, "play", "title", concat(new ByteWriter().varInt(n).finish(), rest))
    out.push(action(timesAction, times(t)))
    if (t.subtitle !== undefined) out.push(action(1, encodeTextField(protocol, t.subtitle)))
    out.push(action(0, encodeTextField(protocol, t.title)))
  }
  const bad = out.find(isProtocolError)
  return bad ?? (out as ReadonlyArray<OutPacket>)
}

/** A text field at the start of `payload`, as JSON text (for logs and events). */
export const decodeTextField = (protocol: number, payload: Uint8Array): string | ProtocolError => {
  if (protocol >= PROTOCOL_NBT_TEXT) {
    const r = decodeNbt(payload, 0)
    if (r._tag === "NeedMore") return malformed("text", "truncated NBT")
    if (r._tag === "ProtocolError") return r
    return typeof r.value === "string" ? JSON.stringify({ text: r.value }) : JSON.stringify(r.value, (_, v) => (typeof v === "bigint" ? Number(v) : v))
  }
  const reader = new PacketReader(payload, "text")
  const text = reader.string(MAX_STRING_CHARS, "text")
  return reader.finish(true) ?? text
}

export interface ChatInput {
  readonly message: string
  /** A command (without its slash from 1.19 on; with it before). */
  readonly command: boolean
}

/** The text of a player's chat or command packet `name`. */
export const decodeChatInput = (name: "chat" | "chat_message" | "chat_command" | "chat_command_signed", payload: Uint8Array): ChatInput | ProtocolError => {
  const reader = new PacketReader(payload, name)
  const text = reader.string(MAX_STRING_CHARS, "message")
  const failed = reader.finish(true)
  if (failed !== undefined) return failed
  if (name === "chat") return text.startsWith("/") ? { message: text.slice(1), command: true } : { message: text, command: false }
  return { message: text, command: name !== "chat_message" }
}
