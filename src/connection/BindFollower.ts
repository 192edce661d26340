/**
 * Follows `bind` and `so_reuseport` of the live config: the listener moves to the new address
 * (opening it before closing the old one, Listener.ts `rebind`) and every live connection stays.
 *
 * A `--bind` on the command line wins over the file: a changed `bind` is then reported and
 * ignored. A new address that cannot be had (in use, not an address of this host) is an error
 * line, and the proxy keeps listening where it was; the same address is not tried again until
 * the file asks for another one.
 *
 * What moves is a {@link MovableListener}: the one-process listener (Listener.ts `Listening`)
 * or, with worker threads, every worker's socket at once (workers/WorkerBind.ts).
 */
import { Effect, Equal, Stream, SubscriptionRef } from "effect"
import { formatHostPort } from "../config/HostPort.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { ListenError } from "./Listener.ts"

/** Where the listener should be: the address and whether it shares the port (SO_REUSEPORT). */
export interface BindTarget {
  readonly host: string
  readonly port: number
  readonly reusePort: boolean
}

/** Where a listener is and how to move it; Listener.ts `Listening` is one. */
export interface MovableListener {
  /** The address bound now. */
  readonly current: () => { readonly address: string; readonly port: number }
  /** Live connections (reported as kept after a move). */
  readonly connections: () => number
  /** Opens `to` before closing the current address; fails with `to`'s ListenError, staying where it was. */
  readonly rebind: (to: BindTarget) => Effect.Effect<{ readonly port: number }, ListenError>
}

const targetOf = (config: ProxyConfig, cliBind: { readonly host: string; readonly port: number } | undefined): BindTarget => ({
  ...(cliBind ?? config.bind),
  reusePort: config.soReuseport
})

const sameTarget = (a: BindTarget, b: BindTarget) => a.host === b.host && a.port === b.port && a.reusePort === b.reusePort

/** Runs until interrupted; `onMoved` gets each new address (the admin API's proxy info). */
export const followBind = (
  config: SubscriptionRef.SubscriptionRef<ProxyConfig>,
  listening: MovableListener,
  cliBind: { readonly host: string; readonly port: number } | undefined,
  onMoved: (address: { readonly host: string; readonly port: number }) => void
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const first = yield* SubscriptionRef.get(config)
    let fileBind = first.bind
    let wanted = targetOf(first, cliBind)
    yield* SubscriptionRef.changes(config).pipe(
      Stream.drop(1),
      Stream.runForEach((next) =>
        Effect.gen(function*() {
          if (cliBind !== undefined && !Equal.equals(next.bind, fileBind)) {
            yield* Effect.logWarning(
              `bind changed to ${formatHostPort(next.bind.host, next.bind.port)} in the file, but --bind ${formatHostPort(cliBind.host, cliBind.port)} is in force: ignored`
            )
          }
          fileBind = next.bind
          const target = targetOf(next, cliBind)
          if (sameTarget(target, wanted)) return
          wanted = target
          const from = listening.current()
          const moved = yield* Effect.result(listening.rebind(target))
          if (moved._tag === "Failure") {
            yield* Effect.logError(`${moved.failure.message}; still listening on ${formatHostPort(from.address, from.port)}`)
            return
          }
          const now = moved.success
          const kept = listening.connections()
          yield* Effect.logInfo(
            `listening on ${formatHostPort(target.host, now.port)}${target.reusePort ? " (so_reuseport)" : ""}, ` +
              `moved from ${formatHostPort(from.address, from.port)}; ${kept} live connection${kept === 1 ? "" : "s"} kept`
          )
          onMoved({ host: target.host, port: now.port })
        })
      )
    )
  })
