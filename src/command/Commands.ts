/**
 * What an intercepted session asks of the proxy's commands (reference §2.13, §2.18): run a
 * command the player typed, complete one being typed, and say which commands to announce in the
 * Declare Commands packet. Everything crossing it is plain data, so a worker thread's sessions
 * can ask the coordinator, where plugins register their commands
 * (src/workers/remote/RemoteCommands.ts); the registry (CommandRegistry.ts) answers in one process.
 */
import { Context, type Effect } from "effect"
import type { PlayerRef } from "../event/ProxyEvent.ts"

/** Who runs or completes a command. */
export interface Caller {
  readonly player: PlayerRef
  /** PermissionsSetup's answer for this session (admins: listed in `[permissions] admins` and authenticated online). */
  readonly admin: boolean
}

/** Suggestions for the word at the end of a line: where that word starts, and the candidates. */
export interface Completion {
  /** Offset of the word in the line (the line without its slash). */
  readonly start: number
  readonly matches: ReadonlyArray<string>
}

/** The proxy's commands one player may use, for the Declare Commands packet. */
export interface Announcement {
  /** The `/ir` subcommands (none: `/ir` and `/infrarust` are not announced). */
  readonly subcommands: ReadonlyArray<string>
  /** Top-level plugin commands, aliases included. */
  readonly commands: ReadonlyArray<string>
}

export class Commands extends Context.Service<Commands, {
  /**
   * Runs `line` (a command without its slash) when it names one of the proxy's or a plugin's
   * commands; true when the proxy took it (the backend must not see it), false when it is the
   * backend's. The command itself runs in the background: its replies reach the player as chat.
   */
  readonly run: (caller: Caller, line: string) => Effect.Effect<boolean>
  /**
   * Suggestions for `line` (without its slash, the cursor at its end) when it is one of the
   * proxy's or a plugin's commands past its name; `undefined` when the backend should answer.
   */
  readonly complete: (caller: Caller, line: string) => Effect.Effect<Completion | undefined>
  /** What to add to the player's Declare Commands packet; `undefined` with `announce_proxy_commands = false`. */
  readonly announcement: (caller: Caller) => Effect.Effect<Announcement | undefined>
}>()("infrarust/command/Commands") {}
