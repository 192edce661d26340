/**
 * A login for a server with a `[server_manager]` (issue 14, reference §2.16): the manager starts
 * it when it sleeps, and the login waits — at most `login_wait` (capped under the client's own
 * 30 s login timeout, which Infrarust's wait for all of `start_timeout` overruns). A server that
 * comes up in time is connected to as usual; one that is still starting leaves the player with
 * `starting_message` while the start goes on; a failed start gives the manager's player text.
 * Status pings never come here: only a login may start a server.
 */
import { Duration, Effect, Option } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { untrusted } from "../observability/LogText.ts"
import { type Refusal, refuse } from "../security/Refusal.ts"
import { ServerWake } from "../server-manager/ServerWake.ts"
import { mayConnect } from "../server-manager/StartOutcome.ts"

/** Under vanilla's 30 s login timeout, with room for the backend's own login afterwards. */
export const MAX_LOGIN_WAIT_MS = 28_000

/** Undefined when the player may connect now; otherwise why not, with the text they read. */
export const wakeForLogin = Effect.fnUntraced(function*(server: LoadedServer, player: string) {
  const manager = server.config.serverManager
  if (manager === undefined) return undefined
  const waitMs = Math.min(Duration.toMillis(manager.loginWait), MAX_LOGIN_WAIT_MS)
  const outcome = yield* (yield* ServerWake).ensureStarted(server.id).pipe(Effect.timeoutOption(Duration.millis(waitMs)))
  if (Option.isNone(outcome)) {
    return refuse("Info", `'${server.id}' is still starting after ${waitMs / 1000}s; ${untrusted(player)} was asked to join again`, manager.startingMessage) as Refusal
  }
  if (mayConnect(outcome.value)) return undefined
  const failed = outcome.value as Exclude<typeof outcome.value, { _tag: "Ready" | "NotManaged" }>
  return refuse("Warn", `'${server.id}' could not take ${untrusted(player)}: ${failed.detail}`, failed.message) as Refusal
})
