/**
 * How a wait for a server ended. These are policy outcomes, returned as values: a crashed or
 * slow backend is an expected situation for a proxy that starts servers on demand, and the login
 * path turns each failure into a kick whose text is `message`.
 *
 * `message` is written for players (no paths, exit codes or panel errors); `detail` is for
 * logs and admins.
 */
export type StartOutcome =
  /** The server is online: connect. */
  | { readonly _tag: "Ready" }
  /** No `[server_manager]` for this server (or it was removed while waiting): connect as usual. */
  | { readonly _tag: "NotManaged" }
  /** The start failed: the process exited, the panel refused, or the server stopped while starting. */
  | StartFailure<"Crashed">
  /** The server did not become ready within `start_timeout`; the proxy stops the attempt. */
  | StartFailure<"TimedOut">
  /** The server is being stopped (idle, by an admin, or a failed start being cleaned up). */
  | StartFailure<"Stopping">

export interface StartFailure<Tag extends string> {
  readonly _tag: Tag
  readonly message: string
  readonly detail: string
}

export type StartFailureTag = "Crashed" | "TimedOut" | "Stopping"

/** Texts shown to players; kept short enough for a disconnect screen. */
export const PLAYER_MESSAGES: Readonly<Record<StartFailureTag, string>> = {
  Crashed: "The server could not be started. Please try again later.",
  TimedOut: "The server is taking too long to start. Please try again in a minute.",
  Stopping: "The server is shutting down. Please reconnect in a few seconds."
}

export const ready: StartOutcome = { _tag: "Ready" }
export const notManaged: StartOutcome = { _tag: "NotManaged" }

export const startFailure = <Tag extends StartFailureTag>(tag: Tag, detail: string): StartFailure<Tag> => ({
  _tag: tag,
  message: PLAYER_MESSAGES[tag],
  detail
})

/** Whether the caller may go on and connect to the backend. */
export const mayConnect = (outcome: StartOutcome): boolean => outcome._tag === "Ready" || outcome._tag === "NotManaged"
