/**
 * The built-in `server_wake` plugin: its limbo handler holds a player whose server is managed
 * (`[server_manager]`) and not online, starts the server, and lets the player through once it is
 * up. While they wait, a title ("Server Starting", "Please wait" with animated dots) and an
 * action bar (how many wait for that server) are refreshed every `title_refresh_interval_seconds`.
 *
 * - One start per server however many wait: the first player's arrival begins it, later ones
 *   join the same wait; the outcome releases them all (Ready: a ready title, then Accept;
 *   Crashed or the manager's own time-out: Deny with `failed_kick` / `timeout_kick`).
 * - A server that is being stopped is waited for (the "Server Restarting" title), then started.
 * - Each player waits at most `start_timeout_seconds` (0: no limit of the plugin's own), counted
 *   from their own arrival: then Deny with `timeout_kick`. The start itself goes on.
 * - A player whose server has no manager, is online, or who has no server to go to is accepted
 *   at once: the handler can sit in any server's `limbo_handlers`.
 */
import { Duration, Effect, Fiber, Layer, Schedule, Scope, Stream } from "effect"
import type { Context } from "effect"
import { completionTarget, type LimboPlayer } from "../../limbo/LimboHandler.ts"
import { PluginContext, type PluginDefinition } from "../../plugin/PluginApi.ts"
import type { ServerManager } from "../../server-manager/ServerManager.ts"
import type { StartOutcome } from "../../server-manager/StartOutcome.ts"
import { registerHandler } from "./RegisterHandler.ts"
import { render } from "./LegacyText.ts"
import { decodeWakeSettings } from "./WakeSettings.ts"

type Manager = Context.Service.Shape<typeof ServerManager>

/** A stop that turns into another stop (an admin stopping it again) is waited out this often at most. */
const MAX_STOP_WAITS = 3
/** How long the ready title stays (Infrarust: 40 ticks). */
const READY_TITLE_TICKS = 40

/** The players waiting for one server, and what the start is doing. */
interface Wake {
  readonly server: string
  readonly players: Map<LimboPlayer, Fiber.Fiber<unknown> | undefined>
  phase: "starting" | "stopping"
  tick: number
}

export const serverWakePlugin = (manager: Manager, version: string): PluginDefinition => ({
  id: "server_wake",
  version,
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* decodeWakeSettings(ctx.config)
    const scope = yield* Scope.Scope
    const wakes = new Map<string, Wake>()
    const m = settings.messages

    const show = (wake: Wake, player: LimboPlayer) =>
      Effect.gen(function*() {
        const dots = ".".repeat((wake.tick % 3) + 1)
        const [title, subtitle] = wake.phase === "starting" ? [m.startingTitle, m.startingSubtitle] : [m.stoppingTitle, m.stoppingSubtitle]
        // No fade-in after the first: the title is replaced in place, and outlasts the refresh.
        yield* player.title({
          title: render(title, { dots }),
          subtitle: render(subtitle, { dots }),
          fadeIn: wake.tick === 0 ? 10 : 0,
          stay: settings.refreshSeconds * 20 + 20,
          fadeOut: 10
        })
        if (settings.showWaitingCount) yield* player.actionBar(render(m.waitingActionBar, { count: wake.players.size, server: wake.server }))
      })

    const animate = (wake: Wake) =>
      Effect.gen(function*() {
        wake.tick++
        for (const player of [...wake.players.keys()]) yield* show(wake, player)
      })

    /** Takes the player out of the wait (its own timer stopped); true when it was still waiting. */
    const release = (wake: Wake, player: LimboPlayer) =>
      Effect.suspend(() => {
        if (!wake.players.has(player)) return Effect.succeed(false)
        const timer = wake.players.get(player)
        wake.players.delete(player)
        return Effect.as(timer === undefined ? Effect.void : Fiber.interrupt(timer), true)
      })

    const waitOutStop = (server: string) =>
      Effect.scoped(Effect.gen(function*() {
        const changes = yield* manager.subscribe
        if (manager.stateOf(server) !== "stopping") return
        yield* Stream.runHead(Stream.filter(changes, (c) => c.server === server && c.to !== "stopping"))
      }))

    const startThroughStops = (wake: Wake) =>
      Effect.gen(function*() {
        for (let stops = 0; ; stops++) {
          const outcome: StartOutcome = yield* manager.ensureStarted(wake.server)
          if (outcome._tag !== "Stopping" || stops >= MAX_STOP_WAITS) return outcome
          wake.phase = "stopping"
          yield* waitOutStop(wake.server)
          wake.phase = "starting"
        }
      })

    const finish = (wake: Wake, outcome: StartOutcome) =>
      Effect.gen(function*() {
        wakes.delete(wake.server)
        const players = [...wake.players.keys()]
        for (const player of players) yield* release(wake, player)
        if (outcome._tag === "Ready" || outcome._tag === "NotManaged") {
          yield* Effect.logInfo(`'${wake.server}' is up; ${players.length} waiting player(s) go on`)
          for (const player of players) {
            yield* player.title({ title: render(m.readyTitle), subtitle: render(m.readySubtitle), fadeIn: 0, stay: READY_TITLE_TICKS, fadeOut: 10 })
            yield* player.complete({ _tag: "Accept" })
          }
          return
        }
        yield* Effect.logWarning(`'${wake.server}' did not come up (${outcome.detail}); ${players.length} waiting player(s) disconnected`)
        const reason = render(outcome._tag === "TimedOut" ? m.timeoutKick : m.failedKick)
        for (const player of players) yield* player.complete({ _tag: "Deny", reason })
      })

    /** The wait for a server, once its first player is in: the start, and the titles meanwhile. */
    const begin = (wake: Wake) => {
      const refresh = Duration.seconds(settings.refreshSeconds)
      const run = Effect.gen(function*() {
        yield* Effect.forkChild(Effect.delay(Effect.repeat(animate(wake), Schedule.spaced(refresh)), refresh))
        yield* finish(wake, yield* startThroughStops(wake))
      })
      return Effect.asVoid(Effect.forkIn(run, scope))
    }

    const timeLimit = (wake: Wake, player: LimboPlayer) =>
      Effect.gen(function*() {
        if (settings.startTimeoutSeconds === 0) return undefined
        const expire = Effect.gen(function*() {
          wake.players.set(player, undefined) // this fiber is the timer: it must not interrupt itself
          if (!(yield* release(wake, player))) return
          yield* Effect.logInfo(`${player.name} waited ${settings.startTimeoutSeconds}s for '${wake.server}'; disconnected`)
          yield* player.complete({ _tag: "Deny", reason: render(m.timeoutKick) })
        })
        return yield* Effect.forkIn(Effect.delay(expire, Duration.seconds(settings.startTimeoutSeconds)), scope)
      })

    yield* registerHandler(ctx, "server_wake", {
      enter: (player) =>
        Effect.gen(function*() {
          const server = completionTarget(player.entry)
          const state = server === undefined ? undefined : manager.stateOf(server)
          if (server === undefined || state === undefined || state === "online") return { _tag: "Accept" } as const
          const existing = wakes.get(server)
          const wake: Wake = existing ?? { server, players: new Map(), phase: state === "stopping" ? "stopping" : "starting", tick: 0 }
          // The player is in before the start begins, so even an instant outcome reaches them.
          wakes.set(server, wake)
          wake.players.set(player, undefined)
          if (existing === undefined) yield* begin(wake)
          if (wake.players.has(player)) wake.players.set(player, yield* timeLimit(wake, player))
          yield* Effect.logInfo(`${player.name} waits in the limbo for '${server}' (${state})`)
          for (const other of wake.players.keys()) yield* show(wake, other)
          return { _tag: "Hold" } as const
        }),
      leave: (player) =>
        Effect.gen(function*() {
          for (const wake of wakes.values()) yield* release(wake, player)
        })
    })
  }))
})
