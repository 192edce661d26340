/**
 * Where events meet their listeners and subscribers.
 *
 * - `Events` is what the data plane sees: `wants(tag)` (synchronous, so a hot path builds no event
 *   nobody reads: with no listener and no subscriber, firing costs one Set lookup), `fire` for
 *   awaited events and `notify` for the rest. A worker thread has a remote `Events` whose calls
 *   reach this bus in the coordinator (src/workers/remote/RemoteEvents.ts), so listeners see the
 *   events of every worker.
 * - `EventBus` is where plugins register listeners (in their own scope) and where the admin event
 *   stream and metrics subscribe.
 *
 * Listener order: ascending priority (Priority.FIRST … LAST), then registration order. Each
 * listener of an awaited event sees the result so far and may return a new one; one that fails,
 * dies or outlasts its timeout is logged with its owner (the plugin id) and skipped for that event:
 * a plugin never takes a connection or the proxy down.
 *
 * Notifications run their listeners one event at a time in a background fiber fed by a bounded
 * queue (a stuck plugin delays other notifications by at most its timeout, and a flood is dropped
 * with a count rather than held in memory). Subscribers each get their own bounded queue: a slow
 * reader loses events, counted as `lagged`, and never slows anyone else.
 */
import { Cause, Context, Duration, Effect, Exit, Layer, Option, Queue, Scope, SubscriptionRef } from "effect"
import { type AwaitedTag, EVENT_TAGS, type EventOf, type EventTag, type NotifiedTag, Priority, type ProxyEvent, type ResultOf } from "./ProxyEvent.ts"

/** A listener: may return a new result (awaited events) or nothing (keep the current one). */
export type Listener<T extends EventTag> = (event: EventOf<T>, current: ResultOf<T>) => Effect.Effect<ResultOf<T> | void, unknown>

/** A packet a RawPacket listener wants to see (ids are per protocol version, as the client speaks it). */
export interface PacketFilter {
  readonly direction: "serverbound" | "clientbound"
  readonly state: "configuration" | "play"
  readonly id: number
}

/** The interest key of a packet filter (EventBus.interest lists them next to event tags). */
export const packetKey = (direction: string, state: string, id: number): string => `packet:${direction}/${state}/${id}`

export interface ListenOptions {
  /** Who registered it (a plugin id), for log lines. */
  readonly owner: string
  /** RawPacket only: the packets it wants; without it the listener sees none (decoding every packet would cost every session). */
  readonly packets?: ReadonlyArray<PacketFilter> | undefined
  readonly priority?: number | undefined
  /** Cut-off for one call; default {@link DEFAULT_LISTENER_TIMEOUT}. */
  readonly timeout?: Duration.Duration
}

export const DEFAULT_LISTENER_TIMEOUT = Duration.seconds(5)
/** Notifications waiting for their listeners, at most. */
const NOTIFY_BACKLOG = 4096
const DEFAULT_SUBSCRIBER_CAPACITY = 1024

export interface EventSubscription {
  readonly take: Effect.Effect<ProxyEvent>
  /** Events this subscriber lost since the last call (its queue was full), and resets the count. */
  readonly lagged: () => number
}

export class Events extends Context.Service<Events, {
  readonly wants: (tag: EventTag) => boolean
  /** Some RawPacket listener asked for this packet. */
  readonly wantsPacket: (direction: "serverbound" | "clientbound", state: "configuration" | "play", id: number) => boolean
  readonly fire: <T extends AwaitedTag>(event: EventOf<T>, initial: ResultOf<T>) => Effect.Effect<ResultOf<T>>
  readonly notify: <T extends NotifiedTag>(event: EventOf<T>) => Effect.Effect<void>
}>()("infrarust/event/Events") {}

export class EventBus extends Context.Service<EventBus, {
  readonly listen: <T extends EventTag>(tag: T, listener: Listener<T>, options: ListenOptions) => Effect.Effect<void, never, Scope.Scope>
  readonly subscribe: (capacity?: number) => Effect.Effect<EventSubscription, never, Scope.Scope>
  /**
   * Every tag someone listens to (all but per-ping and per-packet ones while anyone subscribes),
   * and the {@link packetKey}s RawPacket listeners asked for; workers mirror it.
   */
  readonly interest: SubscriptionRef.SubscriptionRef<ReadonlyArray<string>>
}>()("infrarust/event/EventBus") {
  /** Provides both services: the data plane's `Events` and the registration side. */
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const made = yield* make
    return Context.make(EventBus, made.bus).pipe(Context.add(Events, made.events))
  }))
}

interface Entry {
  readonly tag: EventTag
  readonly packets: ReadonlyArray<string>
  readonly owner: string
  readonly priority: number
  readonly order: number
  readonly timeout: Duration.Duration
  readonly listener: Listener<any>
}

interface Subscriber {
  readonly queue: Queue.Queue<ProxyEvent>
  dropped: number
}

const byPriority = (a: Entry, b: Entry) => a.priority - b.priority || a.order - b.order

const make = Effect.gen(function*() {
  const listeners = new Map<EventTag, ReadonlyArray<Entry>>()
  const subscribers = new Set<Subscriber>()
  let order = 0
  let wanted: ReadonlySet<string> = new Set()
  const interest = yield* SubscriptionRef.make<ReadonlyArray<string>>([])
  const notifications = yield* Queue.dropping<ProxyEvent>(NOTIFY_BACKLOG)
  let droppedNotifications = 0

  const refreshInterest = Effect.suspend(() => {
    const packets = [...listeners.values()].flatMap((entries) => entries.flatMap((e) => e.packets))
    const tags = subscribers.size > 0 ? [...SUBSCRIBED_TAGS, ...listeners.keys()] : [...listeners.keys()]
    wanted = new Set([...tags, ...packets])
    return SubscriptionRef.set(interest, [...wanted])
  })

  const publish = (event: ProxyEvent) => {
    for (const s of subscribers) if (!Queue.offerUnsafe(s.queue, event)) s.dropped++
  }

  /** One listener call, bounded and isolated: the result, or undefined when it failed or timed out. */
  const call = (entry: Entry, event: ProxyEvent, current: unknown) =>
    Effect.suspend(() => entry.listener(event, current)).pipe(
      Effect.timeoutOption(entry.timeout),
      Effect.exit,
      Effect.flatMap((exit) => {
        if (Exit.isSuccess(exit)) {
          if (Option.isSome(exit.value)) return Effect.succeed(exit.value.value)
          return Effect.as(
            Effect.logWarning(`plugin '${entry.owner}': its ${entry.tag} listener took longer than ${Duration.format(entry.timeout)} and was cut off`),
            undefined
          )
        }
        return Effect.as(
          Effect.logError(`plugin '${entry.owner}': its ${entry.tag} listener failed and was skipped`, Cause.pretty(exit.cause)),
          undefined
        )
      }),
      Effect.annotateLogs({ plugin: entry.owner })
    )

  const runAll = (event: ProxyEvent, initial: unknown) =>
    Effect.gen(function*() {
      let result = initial
      for (const entry of listeners.get(event._tag) ?? []) {
        const next = yield* call(entry, event, result)
        if (next !== undefined) result = next
      }
      return result
    })

  // Notifications are delivered in the background, in the order they were sent.
  const reportDropped = Effect.suspend(() => {
    const n = droppedNotifications
    droppedNotifications = 0
    return n === 0 ? Effect.void : Effect.logWarning(`${n} notifications were dropped: their plugin listeners are too slow to keep up`)
  })
  yield* Queue.take(notifications).pipe(
    Effect.flatMap((event) => runAll(event, undefined)),
    Effect.andThen(reportDropped),
    Effect.forever,
    Effect.forkScoped
  )

  const events = Events.of({
    wants: (tag) => wanted.has(tag),
    wantsPacket: (direction, state, id) => wanted.size > 0 && wanted.has(packetKey(direction, state, id)),
    fire: <T extends AwaitedTag>(typed: EventOf<T>, initial: ResultOf<T>) => {
      const event = typed as ProxyEvent
      return !wanted.has(event._tag)
        ? Effect.succeed(initial)
        : Effect.map(runAll(event, initial), (result) => {
          publish(event)
          return result as ResultOf<T>
        })
    },
    notify: (typed) => {
      const event = typed as ProxyEvent
      return !wanted.has(event._tag)
        ? Effect.void
        : Effect.sync(() => {
          publish(event)
          if (listeners.has(event._tag) && !Queue.offerUnsafe(notifications, event)) droppedNotifications++
        })
    }
  })

  const bus = EventBus.of({
    listen: (tag, listener, options) =>
      Effect.gen(function*() {
        const entry: Entry = {
          tag,
          packets: (options.packets ?? []).map((p) => packetKey(p.direction, p.state, p.id)),
          owner: options.owner,
          priority: options.priority ?? Priority.NORMAL,
          order: order++,
          timeout: options.timeout ?? DEFAULT_LISTENER_TIMEOUT,
          listener: listener as Listener<any>
        }
        listeners.set(tag, [...(listeners.get(tag) ?? []), entry].sort(byPriority))
        yield* refreshInterest
        yield* Effect.addFinalizer(() =>
          Effect.suspend(() => {
            const rest = (listeners.get(tag) ?? []).filter((e) => e !== entry)
            if (rest.length === 0) listeners.delete(tag)
            else listeners.set(tag, rest)
            return refreshInterest
          })
        )
      }),
    subscribe: (capacity = DEFAULT_SUBSCRIBER_CAPACITY) =>
      Effect.gen(function*() {
        const subscriber: Subscriber = { queue: yield* Queue.dropping<ProxyEvent>(capacity), dropped: 0 }
        subscribers.add(subscriber)
        yield* refreshInterest
        yield* Effect.addFinalizer(() => Effect.suspend(() => {
          subscribers.delete(subscriber)
          return refreshInterest
        }))
        return {
          take: Queue.take(subscriber.queue),
          lagged: () => {
            const n = subscriber.dropped
            subscriber.dropped = 0
            return n
          }
        }
      }),
    interest
  })
  return { events, bus }
})

/**
 * What a subscriber (the admin event stream) receives: everything but per-packet and per-ping
 * events, which only listeners ask for (a stream client must not make every ping or packet pay).
 */
const SUBSCRIBED_TAGS: ReadonlyArray<EventTag> = EVENT_TAGS.filter((tag) => tag !== "RawPacket" && tag !== "ProxyPing")
