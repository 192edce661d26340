/**
 * The Effect half of the session loop: it wires the player's leg and the current backend's leg
 * to the synchronous pumps (SessionLoop.ts), watches the sockets (ends, resets, drains, idle
 * timeouts) and handles, one at a time, what the pumps hand over — a backend's kick or loss
 * (KickedFromServer, fallback: BackendLoss.ts), chat (ChatMessage), packets a RawPacket
 * listener asked for, actions on the player (messages, titles, kicks, switches), and the
 * cut-over of a server switch.
 *
 * The backend is the session's *current* one: a switch (ServerSwitch.ts) logs in to the next
 * backend in its own fiber while the player plays on, then swaps the legs at once — the old
 * leg's listeners removed, its socket and scope closed — and the transition
 * (SwitchTransition.ts) moves the client. The player's socket, its reader and writer, the
 * session's registry entry and its events carry on.
 *
 * It completes with why the session ended, and where; it never fails. Interrupting it
 * (shutdown, a kick, a newer login of the same player) ends the session's legs with its scope.
 */
import { Duration, Effect, Exit, Fiber, Scope } from "effect"
import type { SessionCommands } from "../../command/SessionCommands.ts"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { Events } from "../../event/EventBus.ts"
import type { ChatResult, PlayerRef } from "../../event/ProxyEvent.ts"
import { ByteWriter, isEncodedBytes } from "../../protocol/ByteWriter.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError } from "../../protocol/ProtocolError.ts"
import { encodeDisconnect, encodeSystemText, encodeTitle, type OutPacket, type Text } from "../../protocol/TextPackets.ts"
import type { IdleWatch } from "../../relay/IdleWatch.ts"
import { PairWatch } from "../../relay/Relay.ts"
import type { PlayerAction, SwitchOutcome } from "../../session/PlayerAction.ts"
import { resumeReading } from "../../socket/ResumeReading.ts"
import type { ActorSlot } from "../../session/Sessions.ts"
import type { BackendLeg } from "./BackendLeg.ts"
import { handleBackendLoss } from "./BackendLoss.ts"
import type { PacketLeg } from "./PacketLeg.ts"
import { type ConfigurationFramesHook, type LegState, type LoopEnd, SessionPumps, type SlowItem } from "./SessionLoop.ts"
import { prepareSwitch, type SwitchContext } from "./ServerSwitch.ts"
import type { LimboVisit } from "../../limbo/Limbo.ts"
import { followLimbo } from "./LimboExit.ts"
import { LIMBO_TARGET, type LimboRequest, prepareLimbo } from "./LimboJoin.ts"

export { textOf } from "./TextOf.ts"

/** After the cut-over, how long the client may take to reach the new server (it cannot go back). */
export const SWITCH_TRANSITION_TIMEOUT = Duration.seconds(30)

export interface DriverOptions {
  readonly client: PacketLeg
  readonly backend: BackendLeg
  readonly protocol: number
  readonly table: PacketTable
  readonly initial: LegState
  readonly player: PlayerRef
  readonly server: LoadedServer
  readonly switching: SwitchContext
  readonly timeouts: { readonly readTimeoutMs: number; readonly writeTimeoutMs: number }
  readonly idleWatch: IdleWatch["Service"]
  readonly events: Events["Service"]
  /** Receives how this session takes actions, while it runs. */
  readonly onActor: (actor: ActorSlot | undefined) => void
  readonly onConfigurationFrames?: ConfigurationFramesHook | undefined
  /** The proxy's commands for this player (chat commands, tab completion, the command graph). */
  readonly commands: SessionCommands
  /** Set when `backend` is the limbo (the login went there first). */
  readonly limbo?: LimboVisit | undefined
}

export interface SessionEnd extends LoopEnd {
  /** Where the player was last, and through which backend leg. */
  readonly server: LoadedServer
  readonly backend: BackendLeg
}

const DEFAULT_TITLE = { fadeIn: 10, stay: 70, fadeOut: 20 }

/** The session's loop state, shared with BackendLoss.ts. */
export interface Driver {
  readonly o: DriverOptions
  readonly pumps: SessionPumps
  server: LoadedServer
  current: BackendLeg | undefined
  last: BackendLeg
  switching: boolean
  readonly send: (packets: OutPacket | ReadonlyArray<OutPacket> | { readonly _tag: "ProtocolError" }) => boolean
  readonly disconnect: (reason: Text, detail: string) => void
  /** Lets go of the current backend (gone, or replaced): listeners off, socket and leg scope closed. */
  readonly release: Effect.Effect<void>
  readonly switchTo: (target: SwitchTarget, onRefused: "tell" | "silent") => Effect.Effect<SwitchOutcome>
  /** The limbo visit the player is in, when the current backend is the limbo. */
  limbo: LimboVisit | undefined
}

/** A server id, `$limbo`, or the limbo with these handlers. */
export type SwitchTarget = string | { readonly limbo: LimboRequest }

interface Moved {
  readonly outcome: SwitchOutcome
  readonly visit?: LimboVisit
}

type Services = Effect.Services<ReturnType<typeof prepareSwitch>> | Effect.Services<ReturnType<typeof prepareLimbo>>

export const driveSession = (o: DriverOptions): Effect.Effect<SessionEnd, never, Services> =>
  Effect.gen(function*() {
    const services = yield* Effect.context<Services>()
    const { client, events } = o
    const pumps = new SessionPumps({
      client, backend: o.backend.leg, protocol: o.protocol, table: o.table, events, initial: o.initial,
      onConfigurationFrames: o.onConfigurationFrames
    })
    let watch: PairWatch | undefined
    const unwatch = () => {
      if (watch !== undefined) o.idleWatch.remove(watch)
    }
    let detach = () => {}

    /** The leg's reads go to the pumps while it is theirs; before that (a switch's next leg) they wait in its reader. */
    const attach = (b: BackendLeg) => {
      const leg = b.leg
      const gone = () => {
        if (d.current !== b || pumps.ended !== undefined) return
        pumps.items.push({ _tag: "BackendGone" })
        pumps.wake()
      }
      const failed = () => gone()
      leg.socket.on("end", gone)
      leg.socket.on("close", gone)
      leg.socket.on("error", failed)
      leg.written = () => pumps.drained("backend")
      leg.handler = (n, buf) => {
        leg.reader.push(buf.subarray(0, n))
        if (pumps.backend === leg) return pumps.pumpDown()
        leg.reader.detach()
        return false
      }
      unwatch()
      watch = new PairWatch(client.socket, leg.socket, o.timeouts, { timedOut: (why) => pumps.end({ reason: why }) })
      o.idleWatch.add(watch)
      return () => {
        leg.socket.off("end", gone)
        leg.socket.off("close", gone)
        leg.socket.off("error", failed)
        leg.socket.on("error", () => {})
        leg.handler = () => true
        leg.written = () => {}
      }
    }

    const send: Driver["send"] = (packets) => {
      if (isProtocolError(packets)) return false
      for (const p of Array.isArray(packets) ? packets : [packets as OutPacket]) if (client.send(p.id, p.payload) !== undefined) return false
      return true
    }
    const tell = (text: Text) => pumps.state.down === "play" && send(encodeSystemText(o.protocol, text, false))

    const d: Driver = {
      o,
      pumps,
      server: o.server,
      current: o.backend,
      last: o.backend,
      switching: false,
      send,
      disconnect: (reason, detail) => {
        send(encodeDisconnect(o.protocol, pumps.state.down, reason))
        pumps.end({ reason: "kicked", detail })
      },
      release: Effect.suspend(() => {
        const old = d.current
        if (old === undefined) return Effect.void
        detach()
        detach = () => {}
        d.current = undefined
        old.leg.socket.destroy()
        return Scope.close(old.scope, Exit.void)
      }),
      switchTo: (target, onRefused) => switchTo(target, onRefused),
      limbo: o.limbo
    }
    detach = attach(o.backend)

    /**
     * The cut-over, synchronous (as actions are: no pump is half-way between two reads); resolves
     * when the client is on `next`, or the switch was abandoned. An item the loop is still
     * deciding on belongs to the old backend's generation and goes nowhere.
     */
    const cutOver = (next: BackendLeg, server: LoadedServer, replaced: { old: BackendLeg | undefined }) =>
      Effect.callback<boolean>((resume) => {
        if (pumps.ended !== undefined) return resume(Effect.succeed(false))
        detach()
        replaced.old = d.current
        d.current?.leg.socket.destroy()
        d.current = next
        d.last = next
        d.server = server
        detach = attach(next)
        const failed = pumps.beginSwitch(next.leg, (ok) => resume(Effect.succeed(ok)))
        if (failed !== undefined) resume(Effect.succeed(false))
      })

    /** Where a switch goes: a server, `$limbo` (the current server's handlers), or the limbo with given handlers. */
    const prepare = (target: SwitchTarget) =>
      Effect.gen(function*() {
        const from = d.server
        const limbo = (request: LimboRequest) => prepareLimbo(o.switching, from, request)
        if (typeof target !== "string") return yield* limbo(target.limbo)
        if (target === LIMBO_TARGET) {
          return yield* limbo({ names: from.config.limboHandlers, strictness: "strict", entry: { _tag: "PluginRedirect", from: from.id } })
        }
        const prepared = yield* prepareSwitch(o.switching, from, d.current?.address, target, d.limbo !== undefined)
        if (prepared._tag !== "ToLimbo") return prepared
        const names = prepared.handlers.length > 0 ? prepared.handlers : prepared.server.config.limboHandlers
        return yield* limbo({ names, strictness: "lenient", entry: { _tag: "PluginRedirect", from: from.id } })
      })

    const run = (target: SwitchTarget, onRefused: "tell" | "silent"): Effect.Effect<Moved> =>
      Effect.gen(function*() {
        const from = d.server
        const wasInLimbo = d.limbo !== undefined
        const prepared = yield* prepare(target)
        if (prepared._tag !== "Ready") {
          const reason = prepared._tag === "Refused" ? prepared.reason : "the limbo is not available here"
          // A player whose backend went away meanwhile has nowhere to stay.
          if (d.current === undefined && onRefused === "tell") d.disconnect(`Server switch failed: ${reason}`, `switch failed: ${reason}`)
          if (onRefused === "tell") tell(`Server switch failed: ${reason}`)
          return { outcome: { _tag: "Refused", reason } } as Moved
        }
        const replaced: { old: BackendLeg | undefined } = { old: undefined }
        const moved = yield* cutOver(prepared.backend, prepared.server, replaced).pipe(
          Effect.timeoutOrElse({ duration: SWITCH_TRANSITION_TIMEOUT, orElse: () => Effect.succeed(false) }),
          Effect.ensuring(Effect.suspend(() => (replaced.old === undefined ? Effect.void : Scope.close(replaced.old.scope, Exit.void))))
        )
        const to = prepared.visit === undefined ? prepared.server.id : LIMBO_TARGET
        if (!moved) {
          if (pumps.ended === undefined && d.current === prepared.backend) d.disconnect(`Server switch failed: '${to}' did not take you in time`, "switch timed out")
          return { outcome: { _tag: "Refused", reason: `the switch to '${to}' did not complete` } } as Moved
        }
        d.limbo = prepared.visit
        if (prepared.visit !== undefined) {
          yield* Effect.logInfo(`sent ${o.player.name} from '${from.id}' to the limbo`)
          return { outcome: { _tag: "Switched", server: to }, visit: prepared.visit } as Moved
        }
        yield* Effect.logInfo(`switched ${o.player.name} from ${wasInLimbo ? "the limbo" : `'${from.id}'`} to '${to}' backend=${prepared.backend.address}`)
        if (!wasInLimbo) yield* events.notify({ _tag: "ServerSwitch", player: o.player, previous: from.id, server: to })
        return { outcome: { _tag: "Switched", server: to } } as Moved
      }).pipe(Effect.provideContext(services))

    /**
     * One switch at a time, in a fiber of the session's scope: a caller that gives up does not cut
     * it short. A visit to the limbo is followed (its handlers' verdict acted on) once the switch
     * into it is over, so leaving it is never refused as "already under way".
     */
    const switchTo = (target: SwitchTarget, onRefused: "tell" | "silent"): Effect.Effect<SwitchOutcome> =>
      Effect.suspend(() => {
        if (d.switching) return Effect.succeed({ _tag: "Refused", reason: "a server switch is already under way" } as SwitchOutcome)
        if (d.current !== undefined && !pumps.settled) return Effect.succeed({ _tag: "Refused", reason: "the player is not in the game yet" } as SwitchOutcome)
        d.switching = true
        const attempt = run(target, onRefused).pipe(
          Effect.ensuring(Effect.sync(() => (d.switching = false))),
          Effect.tap((m) => (m.visit === undefined ? Effect.void : Effect.forkIn(followLimbo(d, m.visit), o.switching.session.scope))),
          Effect.map((m) => m.outcome)
        )
        return Effect.forkIn(attempt, o.switching.session.scope).pipe(
          Effect.flatMap(Fiber.await),
          Effect.map((exit) => (Exit.isSuccess(exit) ? exit.value : { _tag: "Refused", reason: "the session ended" } as SwitchOutcome))
        )
      })

    const act = (action: PlayerAction): Effect.Effect<boolean> => {
      if (action._tag === "Switch") return Effect.map(switchTo(action.server, "tell"), (r) => r._tag === "Switched")
      return Effect.sync(() => {
        if (pumps.ended !== undefined) return false
        if (action._tag === "Kick") return (d.disconnect(action.reason, "kicked by the proxy"), true)
        if (pumps.state.down !== "play") return false
        switch (action._tag) {
          case "Message":
            return send(encodeSystemText(o.protocol, action.text, false))
          case "ActionBar":
            return send(encodeSystemText(o.protocol, action.text, true))
          case "Title":
            return send(encodeTitle(o.protocol, { ...DEFAULT_TITLE, ...definedOnly(action), title: action.title, subtitle: action.subtitle }))
        }
      })
    }

    const handle = (item: SlowItem): Effect.Effect<void> => {
      switch (item._tag) {
        case "BackendKick":
          return handleBackendLoss(d, item.reason, false)
        case "BackendGone":
          return handleBackendLoss(d, JSON.stringify({ text: "Lost connection to the server" }), true)
        case "Chat": {
          // In the limbo its handlers own what the player types: no ChatMessage and no proxy
          // command, so a password typed there reaches no listener and no log, and `/ir server`
          // cannot walk past a login or a queue.
          if (d.limbo !== undefined) {
            return Effect.sync(() => {
              if (item.generation === pumps.generation) pumps.backend?.send(item.id, item.payload)
              pumps.release("serverbound")
            })
          }
          const chat = Effect.map(
            events.fire({ _tag: "ChatMessage", player: o.player, message: item.input.message, command: item.input.command }, { _tag: "Allow" }),
            (result) => {
              if (result._tag !== "Deny" && item.generation === pumps.generation) pumps.backend?.send(item.id, modified(item, result) ?? item.payload)
              pumps.release("serverbound")
            }
          )
          // A command the proxy runs is consumed before ChatMessage, as in Infrarust.
          if (!item.input.command || item.packet === "chat_message") return chat
          return Effect.flatMap(o.commands.command(item.packet, item.payload, item.input.message), (consumed) =>
            consumed === undefined ? chat : Effect.sync(() => {
              if (item.generation === pumps.generation) for (const p of consumed) pumps.backend?.send(p.id, p.payload)
              pumps.release("serverbound")
            }))
        }
        case "TabComplete":
          return Effect.map(o.commands.tabComplete(item.payload), (answer) => {
            if (answer !== undefined) client.send(answer.id, answer.payload)
            else if (item.generation === pumps.generation) pumps.backend?.send(item.id, item.payload)
            pumps.release("serverbound")
          })
        case "DeclareCommands":
          return Effect.map(o.commands.declareCommands(item.payload), (payload) => {
            // A graph from a backend the player has since left is stale; the next one sends its own.
            if (item.generation === pumps.generation) client.send(item.id, payload)
            pumps.release("clientbound")
          })
        case "Raw":
          return Effect.map(
            events.fire({ _tag: "RawPacket", player: o.player, direction: item.direction, state: item.state, packetId: item.id, data: item.data }, { _tag: "Pass" }),
            (result) => {
              const to = item.direction === "serverbound" ? pumps.backend : client
              if (result._tag !== "Drop" && item.generation === pumps.generation) to?.send(item.id, result._tag === "Modify" ? result.data : item.data)
              pumps.release(item.direction)
            }
          )
      }
    }

    const next = Effect.callback<SlowItem | LoopEnd>((resume) => {
      const check = () => {
        const item = pumps.items.shift()
        if (item !== undefined) return (pumps.wake = () => {}, resume(Effect.succeed(item)))
        if (pumps.ended !== undefined) return (pumps.wake = () => {}, resume(Effect.succeed(pumps.ended)))
      }
      pumps.wake = check
      check()
      return Effect.sync(() => {
        pumps.wake = () => {}
      })
    })

    client.socket.on("end", () => pumps.end({ reason: "client_closed" }))
    client.socket.on("close", () => pumps.end({ reason: "client_closed" }))
    client.socket.on("error", (e) => pumps.end({ reason: "client_error", detail: e.message }))
    client.written = () => pumps.drained("client")
    client.handler = (n, buf) => (client.reader.push(buf.subarray(0, n)), pumps.pumpUp())
    // Actions are carried out at once, from whichever fiber asks: writes are synchronous, and
    // between two reads neither writer holds anything (each pump flushes what it queued).
    o.onActor({ act, switchTo: (server) => switchTo(server, "tell") })
    // A login that went to the limbo first: its handlers' verdict moves the player on.
    if (o.limbo !== undefined) yield* Effect.forkIn(followLimbo(d, o.limbo), o.switching.session.scope)
    // Bytes that arrived during the logins are waiting in the readers.
    if (pumps.pumpDown()) resumeReading(o.backend.leg.socket)
    if (pumps.pumpUp()) resumeReading(client.socket)

    const loop: Effect.Effect<LoopEnd> = Effect.flatMap(next, (item) => "_tag" in item ? Effect.andThen(handle(item), loop) : Effect.succeed(item))
    const end = yield* loop.pipe(
      Effect.ensuring(Effect.sync(() => {
        unwatch()
        detach()
        o.onActor(undefined)
      }))
    )
    return { ...end, server: d.server, backend: d.last }
  })

/**
 * A chat message a listener rewrote: possible for unsigned chat (the `chat` packet, before 1.19,
 * whose only field is the text); signed chat (1.19+) is forwarded as written, since changing it
 * would break its signature.
 */
const modified = (item: Extract<SlowItem, { _tag: "Chat" }>, result: ChatResult): Uint8Array | undefined => {
  if (result._tag !== "Modify" || item.packet !== "chat") return undefined
  const text = item.input.command ? `/${result.message}` : result.message
  const payload = new ByteWriter().string(text, MAX_CHAT_CHARS, "message").finish()
  return isEncodedBytes(payload) ? payload : undefined
}

/** Vanilla's chat limit (256 characters). */
const MAX_CHAT_CHARS = 256

const definedOnly = (t: { readonly fadeIn?: number | undefined; readonly stay?: number | undefined; readonly fadeOut?: number | undefined }) => ({
  ...(t.fadeIn === undefined ? {} : { fadeIn: t.fadeIn }),
  ...(t.stay === undefined ? {} : { stay: t.stay }),
  ...(t.fadeOut === undefined ? {} : { fadeOut: t.fadeOut })
})
