/**
 * The local provider end to end, with a real process: test/support/ManagedMcServer.ts, a
 * minecraft-protocol server that prints Minecraft's ready line after a delay and stops on
 * "stop". Real time, because a real process is the subject: one start for a crowd of logins,
 * pings reach it once online, the idle stop goes through stdin, crashes and slow starts give
 * their outcomes, and closing the scope leaves no process behind.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, References, type Scope } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { ping } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { freeLowPort } from "../support/Ports.ts"
import { isAlive, killLeftovers, readLaunches } from "./support/Processes.ts"
import { managerLayer, recordChanges, tempDir } from "./support/Stack.ts"

const SCRIPT = fileURLToPath(new URL("../support/ManagedMcServer.ts", import.meta.url))
const CRASHING_PROXY = fileURLToPath(new URL("./support/CrashingProxy.ts", import.meta.url))

interface LocalOptions {
  readonly port: number
  readonly dir: string
  readonly launches: string
  readonly scriptArgs?: ReadonlyArray<string>
  /** Extra `[server_manager]` lines. */
  readonly settings?: string
}

/** A server file whose backend is the managed script, started by the proxy's own Node. */
const localServerFile = (o: LocalOptions) =>
  [
    `domains = ["survival.test"]`,
    `addresses = ["127.0.0.1:${o.port}"]`,
    ``,
    `[server_manager]`,
    `type = "local"`,
    `command = ${JSON.stringify(process.execPath)}`,
    `working_dir = ${JSON.stringify(o.dir)}`,
    `args = ${JSON.stringify([SCRIPT, "--port", String(o.port), "--launches", o.launches, ...(o.scriptArgs ?? [])])}`,
    o.settings ?? ""
  ].join("\n")

/** Runs `body` with a manager over a directory holding one local server file; logs captured down to Debug. */
const withLocalServer = <A>(
  options: Omit<LocalOptions, "port" | "dir" | "launches">,
  body: (ctx: { readonly port: number; readonly launches: string; readonly logs: ReturnType<typeof captureLogs> }) => Effect.Effect<A, unknown, ServerManager | Scope.Scope>
) => {
  const logs = captureLogs()
  return Effect.gen(function*() {
    const port = yield* Effect.promise(freeLowPort)
    const files = yield* tempDir()
    const launches = files.path("launches.txt")
    yield* Effect.addFinalizer(() => Effect.sync(() => killLeftovers(launches)))
    yield* files.write("survival.toml", localServerFile({ ...options, port, dir: files.dir, launches }))
    return yield* body({ port, launches, logs }).pipe(Effect.provide(managerLayer(files.dir)))
  }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)), Effect.provideService(References.MinimumLogLevel, "Debug"))
}

describe("LocalProvider", () => {
  it.live("ten logins at once start it once; pings reach it when online; idle, it gets 'stop' on stdin and sleeps again", () =>
    withLocalServer({ scriptArgs: ["--ready-delay", "300"], settings: `shutdown_after = "2s"\nstart_timeout = "30s"` }, ({ launches, logs, port }) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("survival", "sleeping")

        const outcomes = yield* Effect.all(Array.from({ length: 10 }, () => manager.ensureStarted("survival")), { concurrency: "unbounded" })
        assert.deepStrictEqual(outcomes.map((o) => o._tag), Array(10).fill("Ready"))
        const started = readLaunches(launches).servers
        assert.strictEqual(started.length, 1, "one process for ten logins")
        assert.strictEqual(manager.stateOf("survival"), "online")

        const status = yield* Effect.promise(() => ping("1.20.4", port, "survival.test"))
        assert.include(JSON.stringify(status), "managed backend")

        // No session is registered: after shutdown_after (2 s) the monitor stops it.
        yield* changes.until("survival", "sleeping")
        const states = changes.states("survival").filter((s, i) => i > 0 || s !== "unknown")
        assert.deepStrictEqual(states, ["sleeping", "starting", "online", "stopping", "sleeping"])
        const lines = logs.lines.map((l) => `${l.level} ${l.message}`)
        assert.isTrue(lines.includes("Debug [survival] Stopping the server"), "the stop command reached the console")
        assert.isTrue(lines.some((l) => l.startsWith("Debug [survival] Done (")), "console lines are logged at Debug")
        assert.isTrue(lines.some((l) => l.includes(`process ${started[0]} exited with code 0`)))
        assert.isFalse(isAlive(started[0]!))
        const idle = changes.seen.find((c) => c.to === "stopping")
        assert.strictEqual(idle?.detail, "no players for 2s")
      })), { timeout: 30_000 })

  it.live("a process that exits while starting is crashed, and every waiter gets the crashed outcome", () =>
    withLocalServer({ scriptArgs: ["--never-ready", "--crash-after", "300"] }, ({ launches, logs }) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        const outcomes = yield* Effect.all(Array.from({ length: 3 }, () => manager.ensureStarted("survival")), { concurrency: "unbounded" })
        for (const outcome of outcomes) {
          assert.strictEqual(outcome._tag, "Crashed")
          if (outcome._tag === "Crashed") {
            assert.strictEqual(outcome.message, "The server could not be started. Please try again later.")
            assert.strictEqual(outcome.detail, "exited with code 3")
          }
        }
        assert.strictEqual(manager.stateOf("survival"), "crashed")
        assert.strictEqual(readLaunches(launches).servers.length, 1)
        assert.deepStrictEqual(changes.states("survival").slice(-2), ["starting", "crashed"])
        assert.isTrue(logs.lines.some((l) => l.level === "Warn" && l.message === "[survival] Exception in server tick loop: simulated crash"), "stderr at Warn")
        // A crashed server can be started again by the next login (it crashes again here).
        const again = yield* manager.ensureStarted("survival")
        assert.strictEqual(again._tag, "Crashed")
        assert.strictEqual(readLaunches(launches).servers.length, 2)
      })), { timeout: 30_000 })

  it.live("start_timeout: the waiters get the timeout outcome, the attempt is stopped and the server is crashed", () =>
    withLocalServer({ scriptArgs: ["--never-ready"], settings: `start_timeout = "1500ms"` }, ({ launches }) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        const startedAt = Date.now()
        const outcome = yield* manager.ensureStarted("survival")
        const waited = Date.now() - startedAt
        assert.strictEqual(outcome._tag, "TimedOut")
        if (outcome._tag === "TimedOut") {
          assert.strictEqual(outcome.detail, "not ready within 1s 500ms")
          assert.include(outcome.message, "taking too long")
        }
        assert.isAtLeast(waited, 1400)
        yield* changes.until("survival", "crashed")
        assert.deepStrictEqual(changes.states("survival").slice(-3), ["starting", "stopping", "crashed"])
        const [pid] = readLaunches(launches).servers
        assert.isFalse(isAlive(pid!), "the timed-out process was stopped")
      })), { timeout: 30_000 })

  it.live("closing the scope stops the process and kills its whole group, even when it ignores 'stop'", () => {
    let pids: ReadonlyArray<number> = []
    let logs: ReturnType<typeof captureLogs> | undefined
    return withLocalServer({ scriptArgs: ["--grandchild", "--ignore-stop"], settings: `shutdown_timeout = "1s"` }, (ctx) =>
      Effect.gen(function*() {
        logs = ctx.logs
        const manager = yield* ServerManager
        assert.strictEqual((yield* manager.ensureStarted("survival"))._tag, "Ready")
        const launched = readLaunches(ctx.launches)
        pids = [...launched.servers, ...launched.grandchildren]
        assert.strictEqual(pids.length, 2)
        assert.isTrue(pids.every(isAlive))
      })).pipe(
        Effect.andThen(Effect.suspend(() => waitUntil(() => pids.every((pid) => !isAlive(pid)), "the process group to be gone", 5000))),
        Effect.andThen(Effect.sync(() => {
          const lines = logs?.lines.map((l) => l.message) ?? []
          assert.isTrue(lines.includes("[survival] Ignoring stop"), "asked to stop first")
          assert.isTrue(lines.some((l) => l.includes(`did not exit within 1s of "stop"; killing its process group`)))
        }))
      )
  }, { timeout: 30_000 })

  it.live("a command that cannot be started is a crash whose detail says why", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const files = yield* tempDir()
      yield* files.write("survival.toml", [
        `domains = ["survival.test"]`,
        `addresses = ["127.0.0.1:25565"]`,
        `[server_manager]`,
        `type = "local"`,
        `command = "infrarust-ts-no-such-command"`,
        `working_dir = ${JSON.stringify(files.dir)}`
      ].join("\n"))
      yield* Effect.gen(function*() {
        const manager = yield* ServerManager
        const outcome = yield* manager.ensureStarted("survival")
        assert.strictEqual(outcome._tag, "Crashed")
        if (outcome._tag === "Crashed") {
          assert.match(outcome.detail, /^Spawn: NotFound: .*infrarust-ts-no-such-command/)
        }
        assert.strictEqual(manager.stateOf("survival"), "crashed")
      }).pipe(Effect.provide(managerLayer(files.dir)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  }, { timeout: 20_000 })

  it.live("a proxy that dies without running finalizers still takes the process group with it", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freeLowPort)
      const files = yield* tempDir()
      const launches = files.path("launches.txt")
      yield* Effect.addFinalizer(() => Effect.sync(() => killLeftovers(launches)))
      yield* files.write("survival.toml", localServerFile({ port, dir: files.dir, launches, scriptArgs: ["--grandchild"] }))
      const proxy = spawn(process.execPath, [CRASHING_PROXY, files.dir], { stdio: ["ignore", "pipe", "pipe"] })
      let output = ""
      proxy.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
      proxy.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
      const code = yield* Effect.promise(() => new Promise<number | null>((resolve) => proxy.once("exit", resolve)))
      assert.include(output, "OUTCOME Ready")
      assert.include(output, "simulated proxy crash")
      assert.notStrictEqual(code, 0)
      const launched = readLaunches(launches)
      const pids = [...launched.servers, ...launched.grandchildren]
      assert.strictEqual(pids.length, 2)
      yield* waitUntil(() => pids.every((pid) => !isAlive(pid)), "the orphaned process group to be killed", 5000)
    }).pipe(Effect.provide(NodeFileSystem.layer)), { timeout: 30_000 })
})
