/**
 * What a plugin author imports (`import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"`).
 *
 * A plugin is a module whose default export is a {@link PluginDefinition}: an id, a version, the
 * ids it depends on, and an Effect Layer. The proxy builds the Layer once at start-up with a
 * {@link PluginContext} for that plugin; from it the plugin registers event listeners and reaches
 * players, servers, bans, its configuration and a scheduler. Everything the Layer acquires (its
 * listeners, scheduled tasks, files) belongs to the plugin's scope and is released when the proxy
 * stops, in reverse load order. docs/plugins.md teaches it with the two examples in
 * examples/plugins/.
 */
import { Context, type Duration, type Effect, type Layer, type Option } from "effect"
import type { CommandNameError } from "../command/CommandRegistry.ts"
import type { CommandHandler, CommandOptions } from "../command/PluginCommands.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { ProxyMode } from "../config/ServerConfig.ts"
import type { Listener, PacketFilter } from "../event/EventBus.ts"
import type { EventTag } from "../event/ProxyEvent.ts"
import type { LimboHandler } from "../limbo/LimboHandler.ts"
import type { LimboHandlerTaken } from "../limbo/LimboHandlers.ts"
import type { BanEntry } from "../security/Ban.ts"
import type { ActionText, PlayerAction, SwitchOutcome } from "../session/PlayerAction.ts"
import type { SessionInfo } from "../session/Session.ts"

export * from "../event/ProxyEvent.ts"
export type { Listener } from "../event/EventBus.ts"
export type { SessionInfo, SessionState } from "../session/Session.ts"
export type { ActionText, PlayerAction, SwitchOutcome } from "../session/PlayerAction.ts"
export type { PacketFilter } from "../event/EventBus.ts"
export type {
  ChatInput,
  ChatVerdict,
  Completion,
  LimboEntry,
  LimboExit,
  LimboHandler,
  LimboPlayer,
  LimboTitle
} from "../limbo/LimboHandler.ts"
export { HandlerResult, LimboMessages } from "../limbo/LimboHandler.ts"
export { LimboHandlerTaken } from "../limbo/LimboHandlers.ts"
export type {
  CommandCompleter,
  CommandHandler,
  CommandInvocation,
  CommandOptions,
  CompletionRequest
} from "../command/PluginCommands.ts"
export { CommandNameError } from "../command/CommandRegistry.ts"

export interface PluginDefinition {
  /** Unique among loaded plugins; also its data directory's name. */
  readonly id: string
  readonly version: string
  /** Ids of plugins that must load first; a missing one keeps this plugin from loading. */
  readonly dependencies?: ReadonlyArray<string>
  /**
   * The plugin may be disabled and enabled again while the proxy runs (the admin API's
   * `/plugins/{id}/disable` and `/enable`): disabling closes its scope (its listeners, tasks and
   * files are released), enabling builds its Layer again. Default false: such a request is
   * refused with this reason.
   */
  readonly reloadable?: boolean
  readonly layer: Layer.Layer<never, unknown, PluginContext>
}

/** A server as plugins see it. */
export interface ServerView {
  readonly id: string
  readonly domains: ReadonlyArray<string>
  readonly addresses: ReadonlyArray<string>
  readonly proxyMode: ProxyMode
  readonly maxPlayers: number
  readonly network: string | undefined
  /** The server's `limbo_handlers`, in order. */
  readonly limboHandlers: ReadonlyArray<string>
}

export interface BanRequest {
  readonly target: { readonly type: "ip" | "cidr" | "username" | "uuid"; readonly value: string }
  readonly reason?: string
  /** Absent: permanent. */
  readonly duration?: Duration.Duration
}

export interface PluginContextShape {
  readonly id: string
  readonly version: string
  /** `<plugins_dir>/<id>`, created before the plugin loads. */
  readonly dataDir: string
  /** The `[plugins.<id>.config]` table as parsed TOML (empty when absent): validate it yourself. */
  readonly config: Readonly<Record<string, unknown>>
  /** The proxy's configuration as it is now (it changes on reload). */
  readonly proxyConfig: Effect.Effect<ProxyConfig>
  readonly events: {
    /**
     * Registers a listener for the plugin's lifetime. Awaited events pass the result so far and
     * take the one returned (return nothing to keep it). A listener that fails or outlasts the
     * plugin's `listener_timeout` is logged and skipped for that event.
     */
    readonly on: <T extends EventTag>(
      tag: T,
      listener: Listener<T>,
      options?: {
        readonly priority?: number
        /** RawPacket only: the packets to see (ids are the client's protocol's). */
        readonly packets?: ReadonlyArray<PacketFilter>
      }
    ) => Effect.Effect<void>
  }
  readonly players: {
    readonly list: Effect.Effect<ReadonlyArray<SessionInfo>>
    /** By name (any case) or UUID; the newest session. */
    readonly find: (nameOrUuid: string) => Effect.Effect<Option.Option<SessionInfo>>
    /**
     * Ends the player's session, showing `reason` (intercepted modes). In the forwarding modes the
     * proxy cannot write into the session, so the connection is closed without a message.
     */
    readonly kick: (nameOrUuid: string, reason?: string) => Effect.Effect<boolean>
    /**
     * A message in chat, over the hotbar, or as a title. Only intercepted sessions (client_only,
     * offline) in the play state can show it: false otherwise, or when there is no such player.
     */
    readonly message: (nameOrUuid: string, text: ActionText) => Effect.Effect<boolean>
    readonly actionBar: (nameOrUuid: string, text: ActionText) => Effect.Effect<boolean>
    readonly title: (nameOrUuid: string, title: Omit<Extract<PlayerAction, { _tag: "Title" }>, "_tag">) => Effect.Effect<boolean>
    /**
     * Moves the player to `server` (intercepted sessions; docs/switching.md) and completes when
     * the switch is over: Switched, Refused{reason} (the player stays and read "Server switch
     * failed: <reason>" in chat), NotFound, or NotIntercepted (a forwarding-mode session).
     */
    readonly send: (nameOrUuid: string, server: string) => Effect.Effect<SwitchOutcome>
  }
  readonly servers: {
    readonly list: Effect.Effect<ReadonlyArray<ServerView>>
    readonly get: (id: string) => Effect.Effect<Option.Option<ServerView>>
  }
  readonly bans: {
    readonly add: (ban: BanRequest) => Effect.Effect<BanEntry, unknown>
    readonly remove: (target: BanRequest["target"]) => Effect.Effect<boolean, unknown>
    readonly list: Effect.Effect<ReadonlyArray<BanEntry>>
  }
  readonly limbo: {
    /**
     * Registers a limbo handler that servers name in `limbo_handlers` (docs/limbo.md), for the
     * plugin's lifetime. Fails when another plugin registered that name.
     */
    readonly register: (name: string, handler: LimboHandler) => Effect.Effect<void, LimboHandlerTaken>
  }
  /** Commands players type in chat (docs/commands.md), in intercepted sessions. */
  readonly commands: {
    /**
     * Registers `/name` and its aliases for the plugin's lifetime: a top-level command (unless
     * another plugin registered the name first) that is also `/ir plugin <id> <name>`. The
     * handler gets the player, the words typed and `reply`; it runs in the background with the
     * plugin's `listener_timeout`. Fails with CommandNameError for a name that is not 1-32
     * lower-case letters, digits, `_`, `-` or `.`, for `ir` and `infrarust`, and for a name the
     * plugin already registered.
     */
    readonly register: (name: string, handler: CommandHandler, options?: CommandOptions) => Effect.Effect<void, CommandNameError>
  }
  /** Background work in the plugin's scope, its failures logged with the plugin id. */
  readonly schedule: {
    readonly every: (interval: Duration.Input, task: Effect.Effect<void, unknown>) => Effect.Effect<void>
    readonly after: (delay: Duration.Input, task: Effect.Effect<void, unknown>) => Effect.Effect<void>
  }
}

export class PluginContext extends Context.Service<PluginContext, PluginContextShape>()("infrarust/plugin/PluginContext") {}
