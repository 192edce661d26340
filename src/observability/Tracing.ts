/**
 * Spans for the per-connection stages, at no cost when tracing is off.
 *
 * `Effect.fn("name")` captures a stack trace on every call (about 5 µs) whether or not
 * anything is exported; on a path that runs for every status ping that is a measurable share
 * of the proxy's CPU (docs/performance.md). Stages are therefore `Effect.fnUntraced` with
 * `traced(name)` as a pipeable: a span when `References.TracerEnabled` is on (telemetry
 * configured), nothing at all otherwise.
 */
import { Clock, type Context, Effect, References, type Tracer } from "effect"

export const traced =
  (name: string, options?: Tracer.SpanOptionsNoTrace) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    // One step (the fiber's own reference) where a flatMap over the reference costs three.
    Effect.withFiber((fiber) => (fiber.getRef(References.TracerEnabled) ? Effect.withSpan(effect, name, options ?? {}) : effect))

/**
 * What a stage that skips its traced form when tracing is off needs to know, in one step: whether
 * spans are recorded, the time, and the fiber's context (for metrics updated in place).
 */
export const tracingAndNow: Effect.Effect<{ readonly tracing: boolean; readonly now: number; readonly context: Context.Context<never> }> =
  Effect.withFiberSucceed((fiber) => ({
    tracing: fiber.getRef(References.TracerEnabled),
    now: fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(),
    context: fiber.context
  }))
