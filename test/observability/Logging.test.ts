/**
 * Log output: text and JSON lines, trace and span ids inside a sampled span only, and the
 * log options (`--log-level`, `--log-format`, `INFRARUST_LOG` / `RUST_LOG`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Logger, References } from "effect"
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

  it.effect("text: one line per entry, continuation lines and the cause folded in", () =>
    Effect.gen(function*() {
      const { layer, lines } = capture("text")
      yield* Effect.logWarning("infrarust.toml: bind: expected an address\n  infrarust.toml: max_connections: expected a number\n(keeping the previous configuration)").pipe(
        Effect.annotateLogs({ server: "survival" }),
        Effect.provide(layer)
      )
      yield* Effect.logError("failed", Cause.fail(new Error("boom"))).pipe(Effect.provide(layer))
      assert.match(
        lines[0]!,
        /^\S+Z WARN  infrarust\.toml: bind: expected an address \| infrarust\.toml: max_connections: expected a number \| \(keeping the previous configuration\) server=survival\n$/
      )
      assert.match(lines[1]!, /^\S+Z ERROR failed cause="Error: boom \| at /)
      assert.isTrue(lines.every((l) => !l.slice(0, -1).includes("\n")))
      // JSON is unchanged: the message keeps its line breaks (escaped by JSON).
      const json = capture("json")
      yield* Effect.logWarning("a\nb").pipe(Effect.provide(json.layer))
      assert.strictEqual((JSON.parse(json.lines[0]!) as Record<string, unknown>)["message"], "a\nb")
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
  })

  it("an unreadable level is a warning naming the valid values, and the proxy logs at info", () => {
    const flag = run(["--log-level", "loud"])
    assert.strictEqual(flag.logLevel, "Info")
    assert.deepStrictEqual(flag.warnings, [`--log-level="loud" is not a log level; logging at info (valid: trace, debug, info, warn, error, off)`])
    const env = run([], { RUST_LOG: "bogus" })
    assert.strictEqual(env.logLevel, "Info")
    assert.match(env.warnings[0]!, /^RUST_LOG="bogus" is not a log level; logging at info \(valid: trace, debug, info, warn, error, off, or RUST_LOG directives/)
    // A directive for another program's target is not a mistake; a bad level for ours is.
    assert.deepStrictEqual(run([], { RUST_LOG: "hyper=debug" }).warnings, [])
    assert.deepInclude(run([], { INFRARUST_LOG: "warn,infrarust=loud" }), { logLevel: "Warn" })
    assert.strictEqual(run([], { INFRARUST_LOG: "warn,infrarust=loud" }).warnings.length, 1)
  })

  it("--plugins-dir (Infrarust's flag) is accepted", () => {
    assert.strictEqual(run(["--plugins-dir", "/opt/plugins"]).pluginsDir, "/opt/plugins")
  })

  it("environment: INFRARUST_LOG over RUST_LOG, the flag over both, RUST_LOG directives", () => {
    assert.deepInclude(run([], { RUST_LOG: "error" }), { logLevel: "Error" })
    assert.deepInclude(run([], { RUST_LOG: "error", INFRARUST_LOG: "debug" }), { logLevel: "Debug" })
    assert.deepInclude(run(["-l", "trace"], { INFRARUST_LOG: "debug" }), { logLevel: "Trace" })
    assert.deepInclude(run([], { RUST_LOG: "warn,infrarust=debug,hyper=trace" }), { logLevel: "Debug" })
    assert.deepInclude(run([], { RUST_LOG: "tokio=trace,info" }), { logLevel: "Info" })
  })

  it("directive parsing", () => {
    assert.strictEqual(parseLogDirectives("off"), "None")
    assert.strictEqual(parseLogDirectives("infrarust_ts=warn"), "Warn")
    assert.isUndefined(parseLogDirectives("hyper=debug"))
  })
})
