/**
 * `sampling_ratio` on Effect's own tracer (the HTTP exporter path): roots are kept with the
 * given probability and every child follows its root.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Tracer } from "effect"
import { ratioSampled } from "../../src/observability/Telemetry.ts"

const run = (ratio: number, connections: number) =>
  Effect.gen(function*() {
    const ended: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (options) => {
        const span = Tracer.nativeTracer.span(options)
        const end = span.end.bind(span)
        span.end = (time, exit) => (ended.push(span), end(time, exit))
        return span
      }
    })
    const connection = Effect.void.pipe(Effect.withSpan("proxy.handshake"), Effect.withSpan("proxy.connection"))
    yield* Effect.forEach(Array.from({ length: connections }), () => connection, { discard: true }).pipe(
      Effect.withTracer(ratioSampled(recording, ratio))
    )
    return ended
  })

describe("ratio sampling", () => {
  it.effect("0 keeps nothing, 1 keeps everything", () =>
    Effect.gen(function*() {
      assert.isTrue((yield* run(0, 50)).every((s) => !s.sampled))
      assert.isTrue((yield* run(1, 50)).every((s) => s.sampled))
    }))

  it.effect("0.25 keeps about a quarter of the connections, children follow their root", () =>
    Effect.gen(function*() {
      const spans = yield* run(0.25, 2000)
      const roots = spans.filter((s) => s.name === "proxy.connection")
      const kept = roots.filter((s) => s.sampled).length
      assert.isAbove(kept, 400)
      assert.isBelow(kept, 600)
      for (const child of spans.filter((s) => s.name === "proxy.handshake")) {
        assert.strictEqual(child.sampled, child.parent._tag === "Some" && child.parent.value.sampled)
      }
    }))
})
