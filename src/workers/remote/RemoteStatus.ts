/**
 * `StatusService` in a worker thread: pings are answered by the coordinator's status plane, so
 * there is one StatusCache for the whole proxy (a flood spread over every worker still reaches
 * a backend at most once per key and ttl), one set of loaded favicons, and player counts from
 * the one session registry. The connection's context travels with the route as the server id;
 * the coordinator answers from its own copy of that server (Wire.ts).
 *
 * A worker keeps the replies the coordinator marked as repeatable (a fresh cached backend
 * response of an unmanaged server: StatusService.freshSince) and answers the next pings for
 * the same server and protocol itself (through the cached-status shortcut, or in `respond`),
 * without a round trip, for as long as the coordinator would call that response fresh. A copy
 * is the exact reply the coordinator rendered; it is dropped when its server or the config
 * changes (every push builds new objects), so an edited MOTD or backend is never answered from
 * it. Anything else (stale, failed, MOTD states, managed servers, legacy pings) asks.
 */
import { Clock, type Context, Duration, Effect, Layer, Option } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { ProxyConfig } from "../../config/ProxyConfig.ts"
import type { Route } from "../../routing/Router.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import { countCacheHit, StatusService } from "../../status/StatusService.ts"
import { WorkerChannel } from "../WorkerChannel.ts"
import { encodeContext } from "../Wire.ts"

/** More copies than this (a flood varying the protocol number): they are all dropped and refilled. */
const MAX_COPIES = 4096

interface Copy {
  readonly json: string
  /** When the backend gave the response (the coordinator's Clock millis, the same clock). */
  readonly since: number
  /** The objects it was made for: another server or config (a reload) makes it unusable. */
  readonly server: LoadedServer
  readonly config: ProxyConfig
}

const keyOf = (server: LoadedServer, protocol: number) => `${server.id}\u0000${protocol}`

export const layer: Layer.Layer<StatusService, never, WorkerChannel> = Layer.effect(
  StatusService,
  Effect.map(WorkerChannel, ({ link }) => {
    const copies = new Map<string, Copy>()
    const keep = (route: Route, config: ProxyConfig, protocol: number, json: string, since: number) => {
      if (copies.size >= MAX_COPIES) copies.clear()
      const server = route.entry.value
      copies.set(keyOf(server, protocol), { json, since, server, config })
    }
    /** The kept reply for a ping to `route` at `now`, counted as a cache hit; undefined = ask. */
    const repeat = (route: Route, config: ProxyConfig, protocol: number, now: number, context: Context.Context<never>) => {
      const server = route.entry.value
      const key = keyOf(server, protocol)
      const copy = copies.get(key)
      if (copy === undefined) return undefined
      if (copy.server !== server || copy.config !== config || now - copy.since >= Duration.toMillis(config.statusCache.ttl)) {
        copies.delete(key)
        return undefined
      }
      countCacheHit(context)
      return copy.json
    }
    const ask = (ctx: HandshakeContext) =>
      Effect.map(link.call("status.respond", encodeContext(ctx)), (reply) => {
        if (reply.freshSince !== undefined && ctx.route !== undefined) {
          keep(ctx.route, ctx.config, ctx.protocolVersion, reply.json, reply.freshSince)
        }
        return reply.json
      })
    return StatusService.of({
      // Pings the shortcut does not take (a status rate limit is on, tracing, a ProxyPing
      // listener) are still answered from the copy when it holds their reply.
      respond: (ctx) => {
        const route = ctx.route
        return route === undefined ? ask(ctx) : Effect.withFiber((fiber) => {
          const now = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
          const json = repeat(route, ctx.config, ctx.protocolVersion, now, fiber.context)
          return json === undefined ? ask(ctx) : Effect.succeed(json)
        })
      },
      atHand: repeat,
      respondWithoutBackend: (ctx) => Effect.map(link.call("status.respondWithoutBackend", encodeContext(ctx)), Option.fromUndefinedOr),
      respondLegacy: (ctx) => link.call("status.respondLegacy", encodeContext(ctx)),
      respondLegacyWithoutBackend: (ctx) =>
        Effect.map(link.call("status.respondLegacyWithoutBackend", encodeContext(ctx)), Option.fromUndefinedOr)
    })
  })
)
