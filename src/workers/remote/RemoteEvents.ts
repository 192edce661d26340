/**
 * `Events` in a worker thread: plugins and the event stream live in the coordinator, so an event
 * fired here goes there. Which tags anyone listens to is pushed by the coordinator (`interest`),
 * so an event nobody wants costs a worker nothing, exactly as in one process; an awaited event
 * with listeners costs one round trip, a notification one message.
 */
import { Effect, Layer } from "effect"
import { Events, packetKey } from "../../event/EventBus.ts"
import type { EventTag, ProxyEvent } from "../../event/ProxyEvent.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<Events, never, WorkerChannel> = Layer.effect(
  Events,
  Effect.map(WorkerChannel, (channel) => {
    const wants = (tag: EventTag) => channel.interest().has(tag)
    return Events.of({
      wants,
      wantsPacket: (direction, state, id) => channel.interest().has(packetKey(direction, state, id)),
      fire: (event, initial) => {
        const e = event as ProxyEvent
        return wants(e._tag) ? Effect.map(channel.link.call("events.fire", { event: e, initial }), (r) => r as typeof initial) : Effect.succeed(initial)
      },
      notify: (event) =>
        Effect.sync(() => {
          const e = event as ProxyEvent
          if (wants(e._tag)) channel.link.cast("event", e)
        })
    })
  })
)
