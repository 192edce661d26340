/**
 * The WASM host on its own, over a real configuration file and event bus (no listener, no
 * sockets): tests fire events through the bus and read what the plugins answered and logged.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Context, Effect, Layer, Logger, References, type Scope } from "effect"
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { EventBus, Events } from "../../src/event/EventBus.ts"
import type { PlayerRef } from "../../src/event/ProxyEvent.ts"
import { WasmHost } from "../../src/wasm/WasmHost.ts"
import { capturingLogger, type LogLine } from "../support/LogCapture.ts"
import { writeProxyDir } from "../support/ProxyDir.ts"

export interface WasmFixture {
  readonly dir: string
  readonly pluginsDir: string
  readonly events: Context.Service.Shape<typeof Events>
  readonly host: Context.Service.Shape<typeof WasmHost>
  readonly logs: Array<LogLine>
  /** Rewrites infrarust.toml (the store reloads it). */
  readonly writeGlobal: (global: string) => void
  /** Puts a plugin file into plugins_dir (written aside and renamed, as an installer would). */
  readonly install: (name: string, bytes: Uint8Array) => void
}

export const wasmHost = (global: string): Effect.Effect<WasmFixture, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-wasm-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    const pluginsDir = join(dir, "plugins")
    mkdirSync(pluginsDir, { recursive: true })
    const { configPath, writeGlobal } = writeProxyDir(dir, { global })
    const logs: Array<LogLine> = []
    const context = yield* Layer.build(
      WasmHost.layer.pipe(
        Layer.provideMerge(EventBus.layer),
        Layer.provideMerge(ProxyConfigStore.layer(configPath)),
        Layer.provide(NodeFileSystem.layer)
      )
    ).pipe(
      Effect.provide(Logger.layer([capturingLogger(logs, { annotations: true })])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    const host = Context.get(context, WasmHost)
    yield* host.start(new Set()).pipe(
      Effect.provide(Logger.layer([capturingLogger(logs, { annotations: true })])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    const install = (name: string, bytes: Uint8Array) => {
      // A rename is atomic: the watcher never sees half a file.
      writeFileSync(join(pluginsDir, `.${name}.part`), bytes)
      renameSync(join(pluginsDir, `.${name}.part`), join(pluginsDir, name))
    }
    return { dir, pluginsDir, events: Context.get(context, Events), host, logs, writeGlobal, install }
  })

export const player = (name: string, session = 1): PlayerRef => ({
  session,
  name,
  uuid: undefined,
  identity: "offline",
  client: "127.0.0.1:50000",
  protocolVersion: 769,
  mode: "offline"
})

/** Log lines of `plugin` that contain `text`. */
export const said = (logs: ReadonlyArray<LogLine>, plugin: string, text: string) =>
  logs.filter((l) => l.annotations?.["plugin"] === plugin && l.message.includes(text))
