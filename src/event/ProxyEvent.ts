/**
 * Every event the proxy fires, as plain typed values (they cross worker threads by structured
 * clone), with the results listeners may return (Infrarust's table, reference §2.18).
 *
 * Awaited events (those with an entry in {@link AwaitedResults}) run their listeners in priority
 * order, each seeing the result so far, and the proxy acts on the final result. The others are
 * notifications: listeners run in the background and the data plane never waits for them.
 *
 * Results are values with data, never functions: PermissionsSetup answers with the permissions
 * themselves (Infrarust's answer is a checker object, which cannot cross a worker thread).
 */
import type { Endpoint } from "../address/Endpoint.ts"
import type { ProxyMode } from "../config/ServerConfig.ts"
import type { Identity } from "../session/Session.ts"

/** A player with a session (an id the registry, the admin API and plugin actions know). */
export interface PlayerRef {
  readonly session: number
  readonly name: string
  readonly uuid: string | undefined
  readonly identity: Identity
  readonly client: string
  readonly protocolVersion: number
  readonly mode: ProxyMode
}

/**
 * A ban as events carry it (the ban list's entry, restated here: events sit below the security
 * folder). Times are epoch seconds; `expiresAt` absent = permanent.
 */
export interface BanRecord {
  readonly target: { readonly type: string; readonly value: string }
  readonly reason: string | undefined
  readonly expiresAt: number | undefined
  readonly createdAt: number
  readonly source: string
}

/** A login before it has a session (PreLogin): what the client claimed. */
export interface LoginAttempt {
  readonly name: string
  readonly uuid: string | undefined
  readonly client: string
  readonly protocolVersion: number
  readonly host: string
}

/** The server-list reply a client will see, as JSON (every field the backend sent is kept). */
export interface PingReply {
  readonly version: { readonly name: string; readonly protocol: number }
  readonly players: {
    readonly max: number
    readonly online: number
    readonly sample?: ReadonlyArray<{ readonly name: string; readonly id: string }>
  }
  /** A text component: a string or a JSON object. */
  readonly description: unknown
  readonly favicon?: string
  readonly [extra: string]: unknown
}

export type ProxyEvent =
  | { readonly _tag: "ProxyInitialize" }
  | { readonly _tag: "ProxyShutdown" }
  | { readonly _tag: "ProxyPing"; readonly client: Endpoint; readonly host: string; readonly server: string | undefined; readonly protocolVersion: number }
  | { readonly _tag: "PreLogin"; readonly attempt: LoginAttempt; readonly server: string }
  | { readonly _tag: "PostLogin"; readonly player: PlayerRef }
  | { readonly _tag: "OnlineAuthFailed"; readonly username: string; readonly client: string; readonly reason: string }
  | { readonly _tag: "PermissionsSetup"; readonly player: PlayerRef }
  | { readonly _tag: "PlayerChooseInitialServer"; readonly player: PlayerRef; readonly server: string }
  | { readonly _tag: "ServerPreConnect"; readonly player: PlayerRef; readonly server: string; readonly previous: string | undefined }
  | { readonly _tag: "ServerConnected"; readonly player: PlayerRef; readonly server: string; readonly backend: string }
  | { readonly _tag: "ServerSwitch"; readonly player: PlayerRef; readonly previous: string; readonly server: string }
  | { readonly _tag: "KickedFromServer"; readonly player: PlayerRef; readonly server: string; readonly reason: string }
  | { readonly _tag: "ChatMessage"; readonly player: PlayerRef; readonly message: string; readonly command: boolean }
  | {
    readonly _tag: "RawPacket"
    readonly player: PlayerRef
    readonly direction: "serverbound" | "clientbound"
    readonly state: "configuration" | "play"
    readonly packetId: number
    readonly data: Uint8Array
  }
  | { readonly _tag: "Disconnect"; readonly player: PlayerRef; readonly lastServer: string | undefined }
  | {
    readonly _tag: "ConfigReload"
    readonly source: "config" | "servers"
    readonly added: ReadonlyArray<string>
    readonly updated: ReadonlyArray<string>
    readonly removed: ReadonlyArray<string>
  }
  | { readonly _tag: "ServerStateChange"; readonly server: string; readonly from: string; readonly to: string }
  /** A ban was added or replaced (`bans.json` changed through the ban list: console, API, plugin). */
  | { readonly _tag: "BanCreated"; readonly ban: BanRecord }
  /** A ban was lifted by someone (not expiry). */
  | { readonly _tag: "BanRemoved"; readonly target: BanRecord["target"]; readonly source: string }
  /** A backend went out of (`healthy: false`) or back into rotation (the balancer's health). */
  | { readonly _tag: "BackendHealthChange"; readonly server: string; readonly backend: string; readonly healthy: boolean; readonly reason: string | undefined }

export type EventTag = ProxyEvent["_tag"]
export type EventOf<T extends EventTag> = Extract<ProxyEvent, { readonly _tag: T }>

export type PreLoginResult =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Denied"; readonly reason: string }
  | { readonly _tag: "ForceOffline" }
  | { readonly _tag: "ForceOnline" }

export interface Permissions {
  /** May run the admin-only `/ir` commands. */
  readonly admin: boolean
}

export type InitialServerResult =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Redirect"; readonly server: string }
  | { readonly _tag: "SendToLimbo"; readonly handlers: ReadonlyArray<string> }

export type PreConnectResult =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "ConnectTo"; readonly server: string }
  | { readonly _tag: "SendToLimbo"; readonly handlers: ReadonlyArray<string> }
  | { readonly _tag: "Denied"; readonly reason: string }

export type KickedResult =
  | { readonly _tag: "DisconnectPlayer"; readonly reason: string }
  | { readonly _tag: "RedirectTo"; readonly server: string }
  | { readonly _tag: "SendToLimbo"; readonly handlers: ReadonlyArray<string> }
  | { readonly _tag: "Notify"; readonly message: string }

export type ChatResult =
  | { readonly _tag: "Allow" }
  | { readonly _tag: "Deny" }
  | { readonly _tag: "Modify"; readonly message: string }

export type RawPacketResult =
  | { readonly _tag: "Pass" }
  | { readonly _tag: "Modify"; readonly data: Uint8Array }
  | { readonly _tag: "Drop" }

/** The awaited events and what their listeners return. */
export interface AwaitedResults {
  readonly ProxyInitialize: void
  readonly ProxyShutdown: void
  readonly ProxyPing: PingReply
  readonly PreLogin: PreLoginResult
  readonly PermissionsSetup: Permissions
  readonly PlayerChooseInitialServer: InitialServerResult
  readonly ServerPreConnect: PreConnectResult
  readonly KickedFromServer: KickedResult
  readonly ChatMessage: ChatResult
  readonly RawPacket: RawPacketResult
  readonly Disconnect: void
}

export type AwaitedTag = keyof AwaitedResults
export type NotifiedTag = Exclude<EventTag, AwaitedTag>
export type ResultOf<T extends EventTag> = T extends AwaitedTag ? AwaitedResults[T] : void

export const ALLOWED = { _tag: "Allowed" } as const

/** Listener priorities (Infrarust's): lower runs first; equal priorities run in registration order. */
export const Priority = {
  FIRST: 0,
  EARLY: 64,
  NORMAL: 128,
  LATE: 192,
  LAST: 255
} as const

const AWAITED: ReadonlySet<EventTag> = new Set<AwaitedTag>([
  "ProxyInitialize",
  "ProxyShutdown",
  "ProxyPing",
  "PreLogin",
  "PermissionsSetup",
  "PlayerChooseInitialServer",
  "ServerPreConnect",
  "KickedFromServer",
  "ChatMessage",
  "RawPacket",
  "Disconnect"
])

export const isAwaited = (tag: EventTag): tag is AwaitedTag => AWAITED.has(tag)

export const EVENT_TAGS: ReadonlyArray<EventTag> = [
  ...AWAITED,
  "PostLogin",
  "OnlineAuthFailed",
  "ServerConnected",
  "ServerSwitch",
  "ConfigReload",
  "ServerStateChange",
  "BanCreated",
  "BanRemoved",
  "BackendHealthChange"
]
