/**
 * The real `infrarust-ts` process (src/main.ts), as an operator runs it:
 *
 * - without `[telemetry]`, not one telemetry module is even loaded (a module-resolution hook
 *   reports every OpenTelemetry, gRPC or OTLP module the process resolves);
 * - with `protocol = "http"`, only Effect's exporter is loaded — no OpenTelemetry SDK;
 * - with `protocol = "grpc"`, the SDK and its gRPC exporters are;
 * - `--log-format json` prints one JSON object per line, and the lines logged inside a traced
 *   connection (a failure included) carry the trace and span ids the collector received.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import { otlpReceiver } from "../support/OtlpReceiver.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { type ProxyProcess, proxyProcess } from "../support/ProxyProcess.ts"
import { HOST, sendTrafficTo, startBackend } from "./support.ts"

const HOOK = fileURLToPath(new URL("./fixtures/recordImports.ts", import.meta.url))

/** Runs main.ts with `global` TOML and one server routing HOST to `backendPort`, once it listens. */
const runProxy = (global: string, backendPort: number) =>
  Effect.gen(function*() {
    const proc = yield* proxyProcess(`shutdown_timeout = "2s"\n${global}`, {
      servers: { "survival.toml": serverToml([HOST], [`127.0.0.1:${backendPort}`]) },
      nodeArgs: ["--import", HOOK],
      cliArgs: ["--log-format", "json"],
      env: { INFRARUST_LOG: "debug" }
    })
    return { ...proc, port: yield* Effect.promise(() => proc.port()) }
  })

const imported = (running: Pick<ProxyProcess, "stderr">) => running.stderr.filter((l) => l.startsWith("[import] "))

describe("the infrarust-ts process", () => {
  it.live("without [telemetry], no telemetry module is loaded", () =>
    Effect.gen(function*() {
      const backend = yield* startBackend
      const proxy = yield* runProxy("", backend.port)
      assert.strictEqual(yield* Effect.promise(proxy.stop), 0)
      assert.deepStrictEqual(imported(proxy), [])
    }), { timeout: 20_000 })

  it.live("protocol = \"grpc\" loads the SDK and its gRPC exporters, only then", () =>
    Effect.gen(function*() {
      const backend = yield* startBackend
      const proxy = yield* runProxy(`[telemetry]\nenabled = true\nendpoint = "http://127.0.0.1:9"`, backend.port)
      assert.strictEqual(yield* Effect.promise(proxy.stop), 0)
      const urls = imported(proxy).join("\n")
      assert.include(urls, "observability/OtlpGrpc.ts")
      assert.include(urls, "@opentelemetry/exporter-trace-otlp-grpc")
      assert.include(urls, "@opentelemetry/sdk-trace-base")
    }), { timeout: 20_000 })

  it.live("--log-format json: lines of a traced connection carry the ids the collector received; HTTP needs no SDK", () =>
    Effect.gen(function*() {
      const receiver = yield* otlpReceiver()
      const backend = yield* startBackend
      const proxy = yield* runProxy(
        `[telemetry]\nenabled = true\nprotocol = "http"\nendpoint = "http://127.0.0.1:${receiver.httpPort}"\n[telemetry.traces]\nsampling_ratio = 1.0`,
        backend.port
      )
      yield* sendTrafficTo(proxy.port)
      yield* waitUntil(() => proxy.stdout.some((l) => l.includes("\"session ended")), "the session end")
      // A client sending garbage: its failure line must lead to its (failed) trace too.
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => {
          const socket = Net.connect(proxy.port, "127.0.0.1", () => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])))
          socket.on("close", () => resolve())
          socket.on("error", () => {})
        })
      )
      yield* waitUntil(() => proxy.stdout.some((l) => l.includes("bad data")), "the bad-data line")
      assert.strictEqual(yield* Effect.promise(proxy.stop), 0)

      const entries = proxy.stdout.map((l) => JSON.parse(l) as Record<string, unknown>)
      for (const entry of entries) {
        assert.isString(entry["time"])
        assert.include(["trace", "debug", "info", "warn", "error"], entry["level"])
      }
      const listening = entries.find((e) => String(e["message"]).startsWith("listening on"))
      assert.isUndefined(listening!["trace_id"], "start-up lines belong to no connection")
      const started = entries.find((e) => String(e["message"]).startsWith("session started"))
      assert.isDefined(started)
      assert.strictEqual(started!["player"], "Alice")
      const login = receiver.spans.find((s) => s.name === "proxy.login")
      assert.isDefined(login, receiver.spans.map((s) => s.name).join(", "))
      assert.strictEqual(started!["trace_id"], login!.traceId)
      assert.strictEqual(started!["span_id"], login!.spanId)

      const badData = entries.find((e) => String(e["message"]).includes("bad data"))
      const failed = receiver.spans.find((s) => s.name === "proxy.connection" && s.status.code === 2)
      assert.isDefined(failed)
      assert.strictEqual(badData!["trace_id"], failed!.traceId)
      assert.strictEqual(badData!["span_id"], failed!.spanId)

      const urls = imported(proxy).join("\n")
      assert.include(urls, "observability/OtlpHttp.ts")
      assert.notInclude(urls, "@opentelemetry/")
      assert.notInclude(urls, "grpc")
    }), { timeout: 30_000 })
})
