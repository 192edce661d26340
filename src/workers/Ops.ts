/**
 * The RPC surface between the coordinator and its workers, as types: every operation a worker
 * may ask of the coordinator (`ToCoordinator`), every one the coordinator may ask of a worker
 * (`ToWorker`), and the one-way messages each way. Payloads are plain data that structured
 * clone carries exactly: servers travel by id (each side resolves its own `LoadedServer`),
 * durations as milliseconds, absent values as `undefined` rather than `Option`.
 *
 * Leases: `sessions.register` and `balancer.connect` hold something on the coordinator (a
 * session slot, a backend connection count) for as long as the worker's connection lives.
 * The worker names the lease with an id of its own and sends `release` when the connection's
 * scope closes; a worker that exits releases all of its leases at once.
 */
import type { BackendConnectError } from "../backend/BackendDialer.ts"
import type { Announcement, Caller, Completion } from "../command/Commands.ts"
import type { BackendView } from "../backend/Balancer.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import type { ListenError } from "../connection/Listener.ts"
import type { Metric } from "effect"
import type { LogLevel } from "effect"
import type { AuditEntry, BanEntry } from "../security/Ban.ts"
import type { BanLookup } from "../security/BanIndex.ts"
import type { BanInputError } from "../security/BanList.ts"
import type { BanStoreError } from "../security/BanStore.ts"
import type { SharedRateMemory } from "../security/SharedBucketTable.ts"
import type { StartOutcome } from "../server-manager/StartOutcome.ts"
import type { ProxyEvent } from "../event/ProxyEvent.ts"
import type { ConnectionContext, HandshakeOpening, LegacyPingOpening, Opening } from "../session/ConnectionContext.ts"
import type { PlayerAction } from "../session/PlayerAction.ts"
import type { SessionInfo, SessionInit, SessionState } from "../session/Session.ts"
import type { MirroredBans } from "./BanMirror.ts"
import type { Op, WireError } from "./Link.ts"

/** A routed host as the status plane needs it; the coordinator looks the server up by id. */
export interface WireRoute {
  readonly id: string
  readonly kind: "exact" | "wildcard"
  readonly pattern: string
  readonly host: string
}

/**
 * A connection's context as it crosses to the coordinator: the route as a server id (the
 * coordinator resolves its own copy) and no config (the coordinator answers with its own, which
 * the worker's mirrors).
 */
export type WireContext<O extends Opening = Opening> = Omit<ConnectionContext<O>, "route" | "config"> & { readonly route: WireRoute | undefined }

/**
 * A modern ping's reply. `freshSince` set: the reply is a fresh cached backend response of an
 * unmanaged server, given by its backend at that time (Clock millis); the worker may repeat it
 * for the same server and protocol while a response of that age is fresh under its
 * `[status_cache]` (StatusService.freshSince, remote/RemoteStatus.ts).
 */
export interface WireStatusReply {
  readonly json: string
  readonly freshSince: number | undefined
}

interface WireBanInput {
  readonly target: { readonly type: string; readonly value: string }
  readonly reason?: string | undefined
  readonly durationMs?: number | undefined
  readonly source?: string | undefined
}

/** A server as pushed to workers: the Schema-encoded config decodes back to the same value. */
export interface WireServer {
  readonly id: string
  readonly file: string
  readonly path: string
  readonly config: unknown
}

/** One log line of a worker, for the coordinator's logger (`logs = "forward"`). */
export interface WireLog {
  readonly level: LogLevel.Severity
  readonly message: ReadonlyArray<string>
  readonly annotations: Record<string, unknown>
  readonly cause: string | undefined
}

type BanError = BanInputError | BanStoreError

export type ToCoordinator = {
  readonly "bans.find": Op<BanLookup, BanEntry | undefined>
  readonly "bans.add": Op<WireBanInput, BanEntry, BanError>
  readonly "bans.remove": Op<{ readonly target: { readonly type: string; readonly value: string }; readonly source: string | undefined }, boolean, BanError>
  readonly "bans.list": Op<void, ReadonlyArray<BanEntry>>
  readonly "bans.audit": Op<void, ReadonlyArray<AuditEntry>>
  readonly "bans.purge": Op<void, number, BanStoreError>
  readonly "bans.reload": Op<void, void>
  readonly "bans.path": Op<void, string>
  readonly "rate.sweep": Op<void, void>
  readonly "throttle.level": Op<{ readonly subject: string; readonly loud: LogLevel.Severity }, LogLevel.Severity>
  /** `server` or `backend` set: that count; neither: all sessions. */
  readonly "sessions.count": Op<{ readonly server?: string; readonly backend?: string }, number>
  readonly "sessions.list": Op<void, ReadonlyArray<SessionInfo>>
  readonly "sessions.kick": Op<{ readonly id: number; readonly reason: string | undefined }, boolean>
  readonly "sessions.act": Op<{ readonly id: number; readonly action: PlayerAction }, boolean>
  /** `actor`: the worker's session can act (the coordinator then routes actions back to it as `act`). */
  readonly "sessions.open": Op<
    { readonly lease: number; readonly init: SessionInit; readonly state: SessionState; readonly maxPlayers: number; readonly actor: boolean },
    SessionInfo | undefined
  >
  readonly "sessions.transition": Op<{ readonly id: number; readonly state: SessionState; readonly maxPlayers: number }, boolean>
  /** By id, by name (any case) or by UUID; the newest match. */
  readonly "sessions.find": Op<{ readonly id?: number; readonly name?: string; readonly uuid?: string }, SessionInfo | undefined>
  /** An awaited event fired on a worker, run by the coordinator's listeners; the final result. */
  readonly "events.fire": Op<{ readonly event: ProxyEvent; readonly initial: unknown }, unknown>
  /** The proxy's commands (src/command/Commands.ts), registered in the coordinator. */
  readonly "commands.run": Op<{ readonly caller: Caller; readonly line: string }, boolean>
  readonly "commands.complete": Op<{ readonly caller: Caller; readonly line: string }, Completion | undefined>
  readonly "commands.announcement": Op<Caller, Announcement | undefined>
  readonly "balancer.candidates": Op<string, ReadonlyArray<BackendTarget>>
  readonly "balancer.statusCandidates": Op<string, ReadonlyArray<BackendTarget>>
  readonly "balancer.report": Op<{ readonly server: string; readonly target: string; readonly ok: boolean }, void>
  /**
   * Runs the coordinator's Balancer.connect; it asks the worker to `dial` each candidate. The
   * worker goes on as soon as a dial works (that one is kept); the answer matters only when
   * every candidate failed.
   */
  readonly "balancer.connect": Op<{ readonly lease: number; readonly server: string }, BackendTarget | undefined>
  readonly "balancer.backends": Op<void, ReadonlyArray<BackendView>>
  /** The coordinator's server manager starts a sleeping server; the answer comes when it is up or failed. */
  readonly "manager.ensureStarted": Op<string, StartOutcome>
  readonly "status.respond": Op<WireContext<HandshakeOpening>, WireStatusReply>
  readonly "status.respondWithoutBackend": Op<WireContext<HandshakeOpening>, string | undefined>
  readonly "status.respondLegacy": Op<WireContext<LegacyPingOpening>, Uint8Array>
  readonly "status.respondLegacyWithoutBackend": Op<WireContext<LegacyPingOpening>, Uint8Array | undefined>
  readonly "config.reload": Op<void, boolean>
  readonly "servers.reload": Op<void, void>
}

export type ToWorker = {
  /** Dial `target` for the login holding `lease`; the socket stays in the worker. */
  readonly "dial": Op<{ readonly lease: number; readonly target: BackendTarget }, void, BackendConnectError>
  /** An action for the session of lease `lease` on this worker; whether it was carried out. */
  readonly "act": Op<{ readonly lease: number; readonly action: PlayerAction }, boolean>
  /** Publish the live sessions' byte counts and send a metrics snapshot now (a scrape). */
  readonly "flush": Op<void, void>
  /**
   * Move this worker's listening socket to `host:port` (SO_REUSEPORT, shared with the other
   * workers), opening it before the old one closes; live connections stay. The port bound.
   */
  readonly "rebind": Op<ListenAddress, number, ListenError>
}

/** Where a worker listens (always with SO_REUSEPORT: the workers share the port). */
export interface ListenAddress {
  readonly host: string
  readonly port: number
}

export interface WorkerCasts {
  /** Built and waiting for `listen`. */
  readonly ready: void
  /** Bound; the port actually bound (port 0 resolves to the kernel's choice). */
  readonly listening: number
  /** Start-up failed; the worker exits. `message` is the failure's own, for the coordinator's log. */
  readonly fatal: { readonly failure: WireError; readonly message: string }
  readonly release: number
  readonly metrics: ReadonlyArray<Metric.Metric.Snapshot>
  readonly log: WireLog
  /** A notification fired on this worker, for the coordinator's listeners and subscribers. */
  readonly event: ProxyEvent
  /**
   * A session of this worker moved to `state` where no `max_players` applies (Sessions.transition
   * with 0, which cannot refuse): no answer is awaited. Sent after the session's open was
   * answered, so the coordinator knows the session when it arrives.
   */
  readonly sessionState: { readonly id: number; readonly state: SessionState }
  /**
   * A session of this worker with no `max_players` to check (Sessions.open with 0, which cannot
   * refuse), named by the worker from the shared counter: the coordinator registers it under
   * `lease` as `sessions.open` would, and no answer is awaited.
   */
  readonly sessionOpened: { readonly lease: number; readonly info: SessionInfo; readonly actor: boolean }
  /**
   * A login to a server with one backend, dialled by the worker itself: the coordinator runs its
   * Balancer.connect over that outcome (counts, health, failure log and metric) and holds the
   * connection's count under `lease`. No answer is awaited.
   */
  readonly backendDialed: {
    readonly lease: number
    readonly server: string
    readonly target: string
    readonly failure: Pick<BackendConnectError, "reason" | "detail"> | undefined
  }
}

export interface CoordinatorCasts {
  /** The Schema-encoded `infrarust.toml` after a reload. */
  readonly config: unknown
  readonly servers: ReadonlyArray<WireServer>
  /** The active ban list, after every change (BanMirror.ts). */
  readonly bans: MirroredBans
  /** The event tags and packet keys someone listens to (EventBus.interest): only those are sent. */
  readonly interest: ReadonlyArray<string>
  /** The coordinator's Sessions.kick reached this worker's session. */
  readonly kick: number
  /** Bind now; sent once, after `ready`. */
  readonly listen: ListenAddress
  /** Stop accepting, drain (shutdown_timeout), exit. */
  readonly stop: void
}

/** How a worker logs: itself to stdout in the process's format, or through the coordinator. */
export type WorkerLogs =
  | { readonly _tag: "Stdout"; readonly format: "text" | "json"; readonly level: LogLevel.LogLevel }
  | { readonly _tag: "Forward"; readonly level: LogLevel.LogLevel }

/** What a worker is started with (`workerData`). */
export interface WorkerData {
  readonly index: number
  readonly configPath: string
  readonly config: unknown
  readonly servers: ReadonlyArray<WireServer>
  /** ConnectionSlots.ts */
  readonly slots: SharedArrayBuffer
  /** BanMirror.ts: the list, and the shared version that says whether a copy is current. */
  readonly bans: MirroredBans
  readonly bansVersion: SharedArrayBuffer
  /** The rate-limit buckets, shared with the coordinator (security/SharedBucketTable.ts). */
  readonly rates: SharedRateMemory
  /** The session-id counter (session/SessionIds.ts). */
  readonly sessionIds: SharedArrayBuffer
  readonly interest: ReadonlyArray<string>
  readonly logs: WorkerLogs
}
