/**
 * The proxy's events and results in the shapes the plugin world (wit/plugin.wit) gives them, and
 * back: what the sandbox worker hands a component's `events` export and how it reads the answer.
 *
 * JavaScript shapes follow the component model's JS bindings: records are objects with camelCase
 * fields, `option<T>` is `T | undefined`, enums are their kebab-case names, variants are
 * `{ tag, val }`, `u64` is a bigint. Plain functions with no I/O.
 */
import type { AwaitedTag, ChatResult, EventTag, KickedResult, PingReply, PlayerRef, PreConnectResult, PreLoginResult, ProxyEvent } from "../event/ProxyEvent.ts"

/** The WIT `event-kind` names, in the order plugin.wit lists them, with the proxy's event tags. */
export const EVENT_KINDS = {
  "proxy-ping": "ProxyPing",
  "pre-login": "PreLogin",
  "server-pre-connect": "ServerPreConnect",
  "post-login": "PostLogin",
  "chat-message": "ChatMessage",
  "kicked-from-server": "KickedFromServer",
  "disconnect": "Disconnect",
  "server-state-change": "ServerStateChange"
} as const satisfies Record<string, EventTag>

export type EventKind = keyof typeof EVENT_KINDS
export type WasmEventTag = (typeof EVENT_KINDS)[EventKind]
export const WASM_EVENT_TAGS: ReadonlyArray<WasmEventTag> = Object.values(EVENT_KINDS)

/** The export of `events` each event calls. */
export const EXPORT_OF: Readonly<Record<WasmEventTag, string>> = {
  ProxyPing: "onProxyPing",
  PreLogin: "onPreLogin",
  ServerPreConnect: "onServerPreConnect",
  PostLogin: "onPostLogin",
  ChatMessage: "onChatMessage",
  KickedFromServer: "onKickedFromServer",
  Disconnect: "onDisconnect",
  ServerStateChange: "onServerStateChange"
}

export const isEventKind = (u: unknown): u is EventKind => typeof u === "string" && Object.hasOwn(EVENT_KINDS, u)

interface Variant {
  readonly tag: string
  readonly val?: unknown
}

const player = (p: PlayerRef) => ({
  session: BigInt(p.session),
  name: p.name,
  uuid: p.uuid,
  identity: p.identity,
  client: p.client,
  protocolVersion: p.protocolVersion,
  mode: p.mode
})

/** The text component as JSON text; the plugin may answer with JSON or plain text. */
const descriptionText = (description: unknown): string => JSON.stringify(description ?? "")
const descriptionValue = (text: string): unknown => {
  const parsed = JSON.parse(text === "" ? "\"\"" : text) as unknown
  return parsed
}

const pingReply = (reply: PingReply) => ({
  versionName: reply.version.name,
  versionProtocol: reply.version.protocol,
  playersMax: reply.players.max,
  playersOnline: reply.players.online,
  sample: (reply.players.sample ?? []).map((s) => ({ name: s.name, id: s.id })),
  description: descriptionText(reply.description),
  favicon: reply.favicon
})

interface WitPingReply {
  readonly versionName: string
  readonly versionProtocol: number
  readonly playersMax: number
  readonly playersOnline: number
  readonly sample: ReadonlyArray<{ readonly name: string; readonly id: string }>
  readonly description: string
  readonly favicon: string | undefined
}

/** The plugin's reply over the one it was shown: fields the world does not carry are kept. */
const mergeReply = (original: PingReply, next: WitPingReply): PingReply => {
  let description: unknown
  try {
    description = descriptionValue(next.description)
  } catch {
    // Not JSON: the plugin wrote plain text, which is a valid text component as a string.
    description = next.description
  }
  const { favicon: _favicon, ...rest } = original
  const players = { ...original.players, max: next.playersMax, online: next.playersOnline }
  const sample = next.sample.length === 0 && original.players.sample === undefined ? undefined : next.sample.map((s) => ({ name: s.name, id: s.id }))
  const { sample: _sample, ...playersWithout } = players
  return {
    ...rest,
    version: { ...original.version, name: next.versionName, protocol: next.versionProtocol },
    players: sample === undefined ? playersWithout : { ...playersWithout, sample },
    description,
    ...(next.favicon === undefined ? {} : { favicon: next.favicon })
  }
}

const preLogin = (r: PreLoginResult): Variant => {
  switch (r._tag) {
    case "Allowed": return { tag: "allowed" }
    case "Denied": return { tag: "denied", val: r.reason }
    case "ForceOffline": return { tag: "force-offline" }
    case "ForceOnline": return { tag: "force-online" }
  }
}
const fromPreLogin = (v: Variant): PreLoginResult => {
  switch (v.tag) {
    case "denied": return { _tag: "Denied", reason: String(v.val) }
    case "force-offline": return { _tag: "ForceOffline" }
    case "force-online": return { _tag: "ForceOnline" }
    default: return { _tag: "Allowed" }
  }
}

const preConnect = (r: PreConnectResult): Variant => {
  switch (r._tag) {
    case "Allowed": return { tag: "allowed" }
    case "ConnectTo": return { tag: "connect-to", val: r.server }
    case "SendToLimbo": return { tag: "send-to-limbo", val: [...r.handlers] }
    case "Denied": return { tag: "denied", val: r.reason }
  }
}
const fromPreConnect = (v: Variant): PreConnectResult => {
  switch (v.tag) {
    case "connect-to": return { _tag: "ConnectTo", server: String(v.val) }
    case "send-to-limbo": return { _tag: "SendToLimbo", handlers: (v.val as ReadonlyArray<string>).map(String) }
    case "denied": return { _tag: "Denied", reason: String(v.val) }
    default: return { _tag: "Allowed" }
  }
}

const chat = (r: ChatResult): Variant => {
  switch (r._tag) {
    case "Allow": return { tag: "allow" }
    case "Deny": return { tag: "deny" }
    case "Modify": return { tag: "modify", val: r.message }
  }
}
const fromChat = (v: Variant): ChatResult => {
  switch (v.tag) {
    case "deny": return { _tag: "Deny" }
    case "modify": return { _tag: "Modify", message: String(v.val) }
    default: return { _tag: "Allow" }
  }
}

const kicked = (r: KickedResult): Variant => {
  switch (r._tag) {
    case "DisconnectPlayer": return { tag: "disconnect-player", val: r.reason }
    case "RedirectTo": return { tag: "redirect-to", val: r.server }
    case "SendToLimbo": return { tag: "send-to-limbo", val: [...r.handlers] }
    case "Notify": return { tag: "notify", val: r.message }
  }
}
const fromKicked = (v: Variant): KickedResult => {
  switch (v.tag) {
    case "redirect-to": return { _tag: "RedirectTo", server: String(v.val) }
    case "send-to-limbo": return { _tag: "SendToLimbo", handlers: (v.val as ReadonlyArray<string>).map(String) }
    case "notify": return { _tag: "Notify", message: String(v.val) }
    default: return { _tag: "DisconnectPlayer", reason: String(v.val) }
  }
}

/** The arguments of the export an event calls (the current result last, for awaited events). */
export const argumentsOf = (event: ProxyEvent, current: unknown): ReadonlyArray<unknown> | undefined => {
  switch (event._tag) {
    case "ProxyPing":
      return [
        { client: `${event.client.address}:${event.client.port}`, host: event.host, server: event.server, protocolVersion: event.protocolVersion },
        pingReply(current as PingReply)
      ]
    case "PreLogin":
      return [{ ...event.attempt }, event.server, preLogin(current as PreLoginResult)]
    case "ServerPreConnect":
      return [player(event.player), event.server, event.previous, preConnect(current as PreConnectResult)]
    case "ChatMessage":
      return [player(event.player), event.message, event.command, chat(current as ChatResult)]
    case "KickedFromServer":
      return [player(event.player), event.server, event.reason, kicked(current as KickedResult)]
    case "Disconnect":
      return [player(event.player), event.lastServer]
    case "PostLogin":
      return [player(event.player)]
    case "ServerStateChange":
      return [event.server, event.from, event.to]
    default:
      return undefined
  }
}

/** The proxy's result from an export's answer; undefined keeps the current result. */
export const resultOf = (tag: EventTag, current: unknown, answer: unknown): unknown => {
  if (answer === undefined || answer === null) return undefined
  switch (tag as AwaitedTag) {
    case "ProxyPing": return mergeReply(current as PingReply, answer as WitPingReply)
    case "PreLogin": return fromPreLogin(answer as Variant)
    case "ServerPreConnect": return fromPreConnect(answer as Variant)
    case "ChatMessage": return fromChat(answer as Variant)
    case "KickedFromServer": return fromKicked(answer as Variant)
    default: return undefined
  }
}
