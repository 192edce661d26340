/**
 * Runs the real proxy (the production `ProxyLayer`) inside a test: a temporary directory
 * holds `infrarust.toml` and `servers/`, the listener binds 127.0.0.1 on a free port, and
 * every log line is captured so tests can assert on what an operator would read.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Effect, Layer, Logger, References, type Scope } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProxyLayer } from "../../src/ProxyLayer.ts"

export interface ProxyFixture {
  readonly port: number
  readonly dir: string
  readonly logs: Array<{ readonly level: string; readonly message: string }>
  /** Writes (or replaces) `servers/<name>`. */
  readonly writeServer: (name: string, toml: string) => void
}

export interface ProxyFiles {
  /** Extra lines for infrarust.toml (bind and servers_dir are set by the harness). */
  readonly global?: string
  readonly servers?: Record<string, string>
  /** With worker threads: the module they run (see test/workers). */
  readonly workerEntry?: URL
}

export const capturingLogger = (logs: Array<{ level: string; message: string }>) =>
  Logger.make<unknown, void>(({ logLevel, message, fiber }) => {
    const parts = Array.isArray(message) ? message : [message]
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    const suffix = Object.entries(annotations).map(([k, v]) => ` ${k}=${String(v)}`).join("")
    logs.push({ level: logLevel, message: parts.map(String).join(" ") + suffix })
  })

export const startProxy = (files: ProxyFiles): Effect.Effect<ProxyFixture, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-test-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    mkdirSync(join(dir, "servers"))
    const writeServer = (name: string, toml: string) => writeFileSync(join(dir, "servers", name), toml)
    for (const [name, toml] of Object.entries(files.servers ?? {})) writeServer(name, toml)
    // One process unless the test asks for workers: the suite checks the pipeline itself.
    const workers = /^\s*worker_threads\s*=/m.test(files.global ?? "") ? "" : "worker_threads = 1\n"
    writeFileSync(
      join(dir, "infrarust.toml"),
      `bind = "127.0.0.1:0"\nservers_dir = ${JSON.stringify(join(dir, "servers"))}\n${workers}${files.global ?? ""}\n`
    )
    const logs: Array<{ level: string; message: string }> = []
    const listening = yield* Deferred.make<number>()
    yield* Layer.build(
      ProxyLayer({
        configPath: join(dir, "infrarust.toml"),
        onListening: (address) => Deferred.doneUnsafe(listening, Effect.succeed(address.port)),
        workerEntry: files.workerEntry
      }).pipe(Layer.provide(NodeFileSystem.layer))
    ).pipe(
      Effect.provide(Logger.layer([capturingLogger(logs)])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    const port = yield* Deferred.await(listening)
    return { port, dir, logs, writeServer }
  })

/** A server file routing `domains` to `addresses`, plus any extra TOML lines. */
export const serverToml = (domains: ReadonlyArray<string>, addresses: ReadonlyArray<string>, extra = ""): string =>
  `domains = ${JSON.stringify(domains)}\naddresses = ${JSON.stringify(addresses)}\n${extra}\n`
