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
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startOtlpReceiver } from "../support/OtlpReceiver.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { HOST, sendTrafficTo, startBackend, waitFor } from "./support.ts"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const HOOK = fileURLToPath(new URL("./fixtures/recordImports.ts", import.meta.url))

interface Running {
  readonly port: number
  readonly stdout: Array<string>
  readonly stderr: Array<string>
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
}

const lines = (stream: NodeJS.ReadableStream, into: Array<string>) => {
  let buffered = ""
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    const parts = buffered.split("\n")
    buffered = parts.pop()!
    into.push(...parts)
  })
}

/** Runs main.ts with `global` TOML and one server routing HOST to `backendPort`. */
const runProxy = (global: string, backendPort: number) =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Running & { child: ChildProcess; dir: string }> => {
      const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-proc-"))
      mkdirSync(join(dir, "servers"))
      writeFileSync(join(dir, "servers", "survival.toml"), serverToml([HOST], [`127.0.0.1:${backendPort}`]))
      writeFileSync(
        join(dir, "infrarust.toml"),
        `bind = "127.0.0.1:0"\nservers_dir = ${JSON.stringify(join(dir, "servers"))}\nworker_threads = 1\nshutdown_timeout = "2s"\n${global}\n`
      )
      const child = spawn(process.execPath, ["--import", HOOK, MAIN, "-c", join(dir, "infrarust.toml"), "--log-format", "json"], {
        env: { ...process.env, INFRARUST_LOG: "debug" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const stdout: Array<string> = []
      const stderr: Array<string> = []
      lines(child.stdout!, stdout)
      lines(child.stderr!, stderr)
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setInterval(() => {
          const listening = stdout.find((l) => l.includes("\"listening on 127.0.0.1:"))
          if (listening !== undefined) {
            clearInterval(timer)
            resolve(Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]))
          }
        }, 20)
        exited.then((code) => {
          clearInterval(timer)
          reject(new Error(`exited with ${code}: ${stdout.join("\n")}\n${stderr.join("\n")}`))
        })
      })
      const stop = () => {
        child.kill("SIGTERM")
        return exited
      }
      return { port, stdout, stderr, stop, child, dir }
    }),
    (running) =>
      Effect.promise(async () => {
        if (running.child.exitCode === null) await running.stop()
        rmSync(running.dir, { recursive: true, force: true })
      })
  )

const imported = (running: Running) => running.stderr.filter((l) => l.startsWith("[import] "))

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
      const receiver = yield* Effect.acquireRelease(Effect.promise(startOtlpReceiver), (r) => Effect.promise(r.close))
      const backend = yield* startBackend
      const proxy = yield* runProxy(
        `[telemetry]\nenabled = true\nprotocol = "http"\nendpoint = "http://127.0.0.1:${receiver.httpPort}"\n[telemetry.traces]\nsampling_ratio = 1.0`,
        backend.port
      )
      yield* sendTrafficTo(proxy.port)
      yield* waitFor(() => proxy.stdout.some((l) => l.includes("\"session ended")), "the session end")
      // A client sending garbage: its failure line must lead to its (failed) trace too.
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => {
          const socket = Net.connect(proxy.port, "127.0.0.1", () => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])))
          socket.on("close", () => resolve())
          socket.on("error", () => {})
        })
      )
      yield* waitFor(() => proxy.stdout.some((l) => l.includes("bad data")), "the bad-data line")
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
