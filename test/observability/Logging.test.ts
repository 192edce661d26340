/**
 * Log output: text and JSON lines, trace and span ids inside a sampled span only, and the
 * log options (`--log-level`, `--log-format`, `INFRARUST_LOG` / `RUST_LOG`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, References } from "effect"
import { parseCli } from "../../src/cli/Cli.ts"
import { makeJsonLogger, makeTextLogger, parseLogDirectives } from "../../src/observability/Logging.ts"

const capture = (format: "text" | "json") => {
  const lines: Array<string> = []
  const logger = (format === "json" ? makeJsonLogger : makeTextLogger)((line) => lines.push(line))
  return { lines, layer: Logger.layer([logger]) }
}

describe("log lines", () => {
  it.effect("JSON: one object per line, annotations and the current span's ids", () =>
    Effect.gen(function*() {
      const { layer, lines } = capture("json")
      const span = yield* Effect.gen(function*() {
        yield* Effect.logInfo("session started")
        return yield* Effect.currentSpan
      }).pipe(Effect.annotateLogs({ client: "203.0.113.7", server: "survival" }), Effect.withSpan("proxy.connection"), Effect.provide(layer))
      yield* Effect.logInfo("outside").pipe(Effect.provide(layer))
      const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      assert.strictEqual(inside!["message"], "session started")
      assert.strictEqual(inside!["level"], "info")
      assert.strictEqual(inside!["client"], "203.0.113.7")
      assert.strictEqual(inside!["trace_id"], span.traceId)
      assert.strictEqual(inside!["span_id"], span.spanId)
      assert.isUndefined(outside!["trace_id"])
      assert.isTrue(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")))
    }))

  it.effect("text: key=value pairs, ids last; none when tracing is off or the span is not sampled", () =>
    Effect.gen(function*() {
      const { layer, lines } = capture("text")
      const logged = (effect: Effect.Effect<void>) => effect.pipe(Effect.annotateLogs({ server: "survival" }), Effect.provide(layer))
      yield* logged(Effect.logWarning("traced").pipe(Effect.withSpan("a")))
      yield* logged(Effect.logWarning("tracing off").pipe(Effect.withSpan("b"), Effect.provideService(References.TracerEnabled, false)))
      yield* logged(Effect.logWarning("unsampled").pipe(Effect.withSpan("c", { sampled: false })))
      assert.match(lines[0]!, /^\S+Z WARN  traced server=survival trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}\n$/)
      assert.match(lines[1]!, /WARN  tracing off server=survival\n$/)
      assert.match(lines[2]!, /WARN  unsampled server=survival\n$/)
    }))
})

describe("log options", () => {
  const run = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
    const command = parseCli(argv, env)
    if (command._tag !== "Run") throw new Error(JSON.stringify(command))
    return command.options
  }

  it("defaults: info, text", () => {
    assert.deepInclude(run([]), { logLevel: "Info", logFormat: "text" })
  })

  it("--log-format json and --log-level", () => {
    assert.deepInclude(run(["--log-format", "json", "-l", "debug"]), { logLevel: "Debug", logFormat: "json" })
    assert.deepInclude(run(["--log-level", "WARNING"]), { logLevel: "Warn" })
    assert.strictEqual(parseCli(["--log-format", "xml"], {})._tag, "Invalid")
    assert.strictEqual(parseCli(["--log-level", "loud"], {})._tag, "Invalid")
  })

  it("environment: INFRARUST_LOG over RUST_LOG, the flag over both, RUST_LOG directives", () => {
    assert.deepInclude(run([], { RUST_LOG: "error" }), { logLevel: "Error" })
    assert.deepInclude(run([], { RUST_LOG: "error", INFRARUST_LOG: "debug" }), { logLevel: "Debug" })
    assert.deepInclude(run(["-l", "trace"], { INFRARUST_LOG: "debug" }), { logLevel: "Trace" })
    assert.deepInclude(run([], { RUST_LOG: "warn,infrarust=debug,hyper=trace" }), { logLevel: "Debug" })
    assert.deepInclude(run([], { RUST_LOG: "tokio=trace,info" }), { logLevel: "Info" })
    assert.strictEqual(parseCli([], { RUST_LOG: "nonsense" })._tag, "Invalid")
  })

  it("directive parsing", () => {
    assert.strictEqual(parseLogDirectives("off"), "None")
    assert.strictEqual(parseLogDirectives("infrarust_ts=warn"), "Warn")
    assert.isUndefined(parseLogDirectives("hyper=debug"))
  })
})
