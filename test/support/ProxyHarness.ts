/**
 * Runs the real proxy (the production `ProxyLayer`) inside a test: a temporary directory
 * holds `infrarust.toml` and `servers/` (ProxyDir.ts), the listener binds 127.0.0.1 on a free
 * port, and every log line is captured so tests can assert on what an operator would read.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Effect, Layer, Logger, References, type Scope } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeLogRing } from "../../src/observability/LogRing.ts"
import { ProxyLayer } from "../../src/ProxyLayer.ts"
import { capturingLogger, type LogLine } from "./LogCapture.ts"
import { type ProxyDir, writeProxyDir } from "./ProxyDir.ts"

export interface ProxyFixture {
  readonly port: number
  readonly dir: string
  readonly logs: Array<LogLine>
  /** Writes (or replaces) `servers/<name>`. */
  readonly writeServer: ProxyDir["writeServer"]
  /** Rewrites infrarust.toml with these lines after the harness's defaults (applied live). */
  readonly writeGlobal: ProxyDir["writeGlobal"]
  /** The admin API's port (with `[web]`; waits until it listens). */
  readonly adminPort: Effect.Effect<number>
}

export interface ProxyFiles {
  /**
   * Extra lines for infrarust.toml (bind, servers_dir and worker_threads = 1 are set by the
   * harness); a function gets the proxy's directory (for paths of files written there).
   */
  readonly global?: string | ((dir: string) => string)
  /** Other files to write into the proxy's directory first (name → content). */
  readonly files?: Record<string, string>
  readonly servers?: Record<string, string>
  /** With worker threads: the module they run (see test/workers). */
  readonly workerEntry?: URL
}

export const startProxy = (files: ProxyFiles): Effect.Effect<ProxyFixture, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-test-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    for (const [name, content] of Object.entries(files.files ?? {})) writeFileSync(join(dir, name), content)
    const global = typeof files.global === "function" ? files.global(dir) : files.global
    const { configPath, writeServer, writeGlobal } = writeProxyDir(dir, {
      ...(global === undefined ? {} : { global }),
      ...(files.servers === undefined ? {} : { servers: files.servers })
    })
    const logs: Array<LogLine> = []
    const listening = yield* Deferred.make<number>()
    const admin = yield* Deferred.make<number>()
    // As src/main.ts does: the admin API's log history and stream read this ring.
    const logRing = makeLogRing()
    yield* Layer.build(
      ProxyLayer({
        configPath,
        onListening: (address) => Deferred.doneUnsafe(listening, Effect.succeed(address.port)),
        onAdminListening: (address) => Deferred.doneUnsafe(admin, Effect.succeed(address.port)),
        workerEntry: files.workerEntry,
        logRing
      }).pipe(Layer.provide(NodeFileSystem.layer))
    ).pipe(
      Effect.provide(Logger.layer([capturingLogger(logs, { annotations: true }), logRing.logger])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    const port = yield* Deferred.await(listening)
    return { port, dir, logs, writeServer, writeGlobal, adminPort: Deferred.await(admin) }
  })

/** A server file routing `domains` to `addresses`, plus any extra TOML lines. */
export const serverToml = (domains: ReadonlyArray<string>, addresses: ReadonlyArray<string>, extra = ""): string =>
  `domains = ${JSON.stringify(domains)}\naddresses = ${JSON.stringify(addresses)}\n${extra}\n`
