/**
 * The built-in `queue` plugin: its limbo handler holds players whose server is full
 * (`max_players`) and lets them in, one per free slot, in order.
 *
 * - A player whose server has room and nobody waiting goes on at once (Accept); a server without
 *   `max_players` (0) never queues.
 * - Order: priority players (admins, as `/ir` recognises them, and the names or UUIDs of
 *   `priority`) ahead of everyone else, then first come, first served.
 * - A slot is free when the players counted against the server (playing, connecting, or leaving
 *   it in a switch) plus the players this plugin let in who have not arrived yet are fewer than
 *   `max_players`. Disconnects and switches re-check at once; every `refresh_seconds` the
 *   positions are shown again (an action bar fades) and the slots re-checked (a raised
 *   `max_players`, a kick).
 * - A player who leaves the limbo (disconnects) leaves the line; everyone behind moves up.
 */
import { Clock, Duration, Effect, Layer, Option, Schema, Scope, Semaphore } from "effect"
import { completionTarget, type LimboPlayer } from "../../limbo/LimboHandler.ts"
import { PluginContext, type PluginDefinition, Priority } from "../../plugin/PluginApi.ts"
import { serverOf } from "../../session/Session.ts"
import { render } from "./LegacyText.ts"
import { registerHandler } from "./RegisterHandler.ts"
import { makeWaitingLine } from "./WaitingLine.ts"

/** A player let in who has not reached the server after this long no longer holds a slot (its switch failed). */
const ARRIVAL_GRACE_MS = 30_000

/** `[plugins.queue.config]`. */
export const QueueSettings = Schema.Struct({
  priority: Schema.optionalKey(Schema.Array(Schema.String)),
  refresh_seconds: Schema.optionalKey(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))),
  messages: Schema.optionalKey(Schema.Struct({
    queued: Schema.optionalKey(Schema.String),
    position: Schema.optionalKey(Schema.String),
    ready: Schema.optionalKey(Schema.String)
  }))
})

export const QUEUE_MESSAGES = {
  queued: "&e{server} is full. You are number &6{position}&e in the queue.",
  position: "&7Queue for &e{server}&7: position &e{position}&7 of &e{total}",
  ready: "&aA slot is free: connecting you to &e{server}&a..."
} as const

export const queuePlugin = (version: string): PluginDefinition => ({
  id: "queue",
  version,
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* Schema.decodeUnknownEffect(QueueSettings)(ctx.config)
    const texts = { ...QUEUE_MESSAGES, ...settings.messages }
    const priority = new Set((settings.priority ?? []).map((p) => p.toLowerCase()))
    const refresh = Duration.seconds(settings.refresh_seconds ?? 2)
    const scope = yield* Scope.Scope
    const line = makeWaitingLine<LimboPlayer>()
    /** Players let in and not yet counted against their server: uuid → server, when. */
    const arriving = new Map<string, { readonly server: string; readonly since: number }>()
    const lock = yield* Semaphore.make(1)
    let ticking = false

    const rankOf = (player: LimboPlayer) =>
      Effect.gen(function*() {
        if (priority.has(player.name.toLowerCase()) || priority.has(player.uuid.toLowerCase())) return 0
        // The admins /ir recognises: listed, and authenticated by the proxy (an offline name proves nothing).
        const admins = (yield* ctx.proxyConfig).permissions.admins.map((a) => a.toLowerCase())
        const session = yield* ctx.players.find(player.uuid)
        const verified = Option.isSome(session) && session.value.identity === "online"
        return verified && (admins.includes(player.name.toLowerCase()) || admins.includes(player.uuid.toLowerCase())) ? 0 : 1
      })

    /** Free slots of `server` now, not counting the session `leaving` (a Disconnect fires before its session is gone). */
    const freeSlots = (server: string, leaving: number | undefined) =>
      Effect.gen(function*() {
        const view = yield* ctx.servers.get(server)
        const max = Option.isSome(view) ? view.value.maxPlayers : 0
        if (max === 0) return Number.POSITIVE_INFINITY
        const sessions = yield* ctx.players.list
        const counted = sessions.filter((s) => s.id !== leaving && serverOf(s.state) === server).length
        const coming = [...arriving.values()].filter((a) => a.server === server).length
        return max - counted - coming
      })

    /** Forgets arrivals that are counted now, gone, or took too long. */
    const settleArrivals = Effect.gen(function*() {
      if (arriving.size === 0) return
      const now = yield* Clock.currentTimeMillis
      const sessions = yield* ctx.players.list
      for (const [uuid, a] of arriving) {
        const session = sessions.find((s) => s.uuid === uuid)
        if (session === undefined || serverOf(session.state) === a.server || now - a.since > ARRIVAL_GRACE_MS) arriving.delete(uuid)
      }
    })

    const showPosition = (player: LimboPlayer, server: string) =>
      Effect.gen(function*() {
        const at = line.position(player)
        if (at !== undefined) yield* player.actionBar(render(texts.position, { server, position: at.position, total: at.total }))
      })

    /** Lets in as many as there are free slots, server by server; shows the others where they stand. */
    const pump = (leaving?: number) =>
      Semaphore.withPermit(lock)(Effect.gen(function*() {
        yield* settleArrivals
        const now = yield* Clock.currentTimeMillis
        for (const server of line.servers()) {
          const free = yield* freeSlots(server, leaving)
          for (const player of line.take(server, free)) {
            arriving.set(player.uuid, { server, since: now })
            yield* Effect.logInfo(`${player.name} leaves the queue for '${server}'`)
            yield* player.message(render(texts.ready, { server }))
            yield* player.complete({ _tag: "Accept" })
          }
          for (const player of line.waiting(server)) yield* showPosition(player, server)
        }
      }))

    /** While anyone waits: positions again and slots re-checked every `refresh_seconds`. */
    const tick: Effect.Effect<void> = Effect.suspend(() => {
      if (ticking) return Effect.void
      ticking = true
      const loop = Effect.repeat(Effect.andThen(Effect.sleep(refresh), pump()), { while: () => line.servers().length > 0 })
      return Effect.asVoid(Effect.forkIn(Effect.ensuring(loop, Effect.sync(() => (ticking = false))), scope))
    })

    const nudge = (leaving?: number) => (line.servers().length === 0 ? Effect.void : Effect.asVoid(Effect.forkIn(pump(leaving), scope)))
    // Listened to from the first player who waits on: until then no session pays for the events
    // (an awaited Disconnect listener is work at the end of every session, in every mode).
    let listening = false
    const listen = Effect.suspend(() => {
      if (listening) return Effect.void
      listening = true
      return Effect.andThen(
        ctx.events.on("Disconnect", (event) => nudge(event.player.session), { priority: Priority.LAST }),
        ctx.events.on("ServerSwitch", () => nudge())
      )
    })

    yield* registerHandler(ctx, "queue", {
      enter: (player) =>
        Semaphore.withPermit(lock)(Effect.gen(function*() {
          const server = completionTarget(player.entry)
          if (server === undefined) return { _tag: "Accept" } as const
          yield* settleArrivals
          if (line.waiting(server).length === 0 && (yield* freeSlots(server, undefined)) > 0) {
            const view = yield* ctx.servers.get(server)
            // Only a limited server needs to know this player is on its way.
            if (Option.isSome(view) && view.value.maxPlayers > 0) arriving.set(player.uuid, { server, since: yield* Clock.currentTimeMillis })
            return { _tag: "Accept" } as const
          }
          yield* listen
          const position = line.join(server, player, yield* rankOf(player))
          yield* Effect.logInfo(`${player.name} waits in the queue for '${server}' (position ${position})`)
          yield* player.message(render(texts.queued, { server, position }))
          for (const waiting of line.waiting(server)) yield* showPosition(waiting, server)
          yield* tick
          return { _tag: "Hold" } as const
        })),
      leave: (player) =>
        Effect.gen(function*() {
          const server = line.leave(player)
          if (server === undefined) return
          yield* Effect.logInfo(`${player.name} left the queue for '${server}'`)
          for (const waiting of line.waiting(server)) yield* showPosition(waiting, server)
        })
    })
  }))
})
