/**
 * `[server_manager] type = "local"`: the backend is a child process of the proxy (reference §2.16).
 *
 * - start: spawn `command args...` in `working_dir` (relative to the proxy's working directory)
 *   with piped stdio, in a process group of its own. Console lines on stdout are logged at
 *   Debug and the first one containing `ready_pattern` makes the server running; stderr lines
 *   are logged at Warn.
 * - stop: write `stop\n` to its stdin (the Minecraft console command), wait up to
 *   `shutdown_timeout` for it to exit, then SIGKILL the whole process group.
 * - status: no process is stopped, a process without its ready line is starting, with it
 *   running, after a stop request stopping. A process that exits without being asked is
 *   crashed, unless it exits with code 0 after it was ready (an operator typed /stop in game:
 *   that is a stop, not a crash).
 *
 * No orphans: each process lives in a Scope owned by the provider; closing it (server removed
 * from the config, proxy shutting down) asks the process to stop the same way, then kills its
 * process group, grandchildren included. If the proxy dies without running finalizers (an
 * uncaught exception), a synchronous `exit` hook still SIGKILLs the group; only a SIGKILL of the
 * proxy itself can leave the group running.
 */
import { Cause, Deferred, Duration, Effect, Exit, Option, Scope, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import type { LocalManagerConfig } from "../config/ServerManagerConfig.ts"
import type { ExitGuard } from "./ExitGuard.ts"
import { ProviderError, type ProviderReport, type ServerProvider } from "./ServerProvider.ts"

type LocalConfig = typeof LocalManagerConfig.Type

const STOP_COMMAND = new TextEncoder().encode("stop\n")

interface Proc {
  readonly pid: number
  readonly handle: ChildProcessSpawner.ChildProcessHandle
  readonly scope: Scope.Closeable
  /** Resolved with a description of how it ended. */
  readonly ended: Deferred.Deferred<string>
  ready: boolean
  stopRequested: boolean
  /** The graceful stop (stop command + shutdown_timeout) was already given; closing may kill at once. */
  graceSpent: boolean
}

const describeExit = (exit: Exit.Exit<number, unknown>): { readonly code: number | undefined; readonly text: string } =>
  Exit.isSuccess(exit)
    ? { code: exit.value, text: `exited with code ${exit.value}` }
    : { code: undefined, text: `ended abnormally: ${String(Cause.squash(exit.cause))}` }

/**
 * `config` is read at each use, so `ready_pattern` and `shutdown_timeout` edits apply without
 * replacing the provider (and the running process).
 */
export const makeLocalProvider = Effect.fnUntraced(function*(
  serverId: string,
  config: () => LocalConfig,
  poke: Effect.Effect<void>,
  exitGuard: ExitGuard
) {
  const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
  const providerScope = yield* Scope.Scope
  let current: Proc | undefined
  let last: ProviderReport = { state: "stopped" }
  const log = (text: string) => `server '${serverId}': ${text}`

  /** Stop command, then up to shutdown_timeout for the process to exit by itself. */
  const askToStop = (proc: Proc): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (proc.graceSpent || Deferred.isDoneUnsafe(proc.ended)) return
      proc.graceSpent = true
      proc.stopRequested = true
      // The write fails if the process already closed stdin or exited: waiting below says which.
      yield* Stream.run(Stream.make(STOP_COMMAND), proc.handle.stdin).pipe(Effect.ignore)
      const timeout = config().shutdownTimeout
      const exited = yield* Effect.exit(proc.handle.exitCode).pipe(Effect.timeoutOption(timeout))
      if (Option.isNone(exited)) {
        yield* Effect.logWarning(log(`did not exit within ${Duration.format(timeout)} of "stop"; killing its process group`))
      }
    })

  /** Bookkeeping when the process ends, however it ends; then the rest of its group goes. */
  const watchExit = (proc: Proc) =>
    Effect.exit(proc.handle.exitCode).pipe(
      Effect.flatMap((exit) => {
        const { code, text } = describeExit(exit)
        const clean = proc.stopRequested || (proc.ready && code === 0)
        if (current === proc) current = undefined
        last = { state: clean ? "stopped" : "crashed", detail: text }
        return Effect.all([
          clean ? Effect.logInfo(log(`process ${proc.pid} ${text}`)) : Effect.logWarning(log(`process ${proc.pid} ${text} (crashed)`)),
          Deferred.succeed(proc.ended, text),
          Scope.close(proc.scope, Exit.void),
          poke
        ], { discard: true })
      }),
      Effect.forkIn(providerScope)
    )

  const readLines = (stream: Stream.Stream<Uint8Array, unknown>, onLine: (line: string) => Effect.Effect<void>) =>
    stream.pipe(Stream.decodeText(), Stream.splitLines, Stream.runForEach(onLine), Effect.ignore)

  const spawn = Effect.gen(function*() {
    const settings = config()
    const scope = yield* Scope.fork(providerScope, "sequential")
    const command = ChildProcess.make(settings.command, settings.args, {
      cwd: settings.workingDir,
      detached: true,
      stdin: { stream: "pipe", endOnDone: false },
      // Used by the spawner's release: by then the process had its chance to stop gracefully.
      killSignal: "SIGKILL"
    })
    const handle = yield* spawner.spawn(command).pipe(
      Scope.provide(scope),
      Effect.onError(() => Scope.close(scope, Exit.void)),
      Effect.mapError((error) =>
        new ProviderError({ server: serverId, provider: "local", operation: "start", reason: "Spawn", detail: error.message })
      )
    )
    const proc: Proc = {
      pid: handle.pid,
      handle,
      scope,
      ended: Deferred.makeUnsafe(),
      ready: false,
      stopRequested: false,
      graceSpent: false
    }
    // Last line of defence against orphans when the proxy exits without running finalizers.
    yield* exitGuard.track(proc.pid).pipe(Scope.provide(scope))
    yield* readLines(handle.stdout, (line) =>
      Effect.logDebug(`[${serverId}] ${line}`).pipe(
        Effect.andThen(Effect.suspend(() => {
          if (proc.ready || !line.includes(config().readyPattern)) return Effect.void
          proc.ready = true
          return Effect.andThen(Effect.logInfo(log(`process ${proc.pid} is ready`)), poke)
        }))
      )).pipe(Effect.forkIn(scope))
    yield* readLines(handle.stderr, (line) => Effect.logWarning(`[${serverId}] ${line}`)).pipe(Effect.forkIn(scope))
    // Added last, so it runs first when the scope closes: the graceful stop comes before the kill.
    yield* Scope.addFinalizer(scope, askToStop(proc))
    current = proc
    last = { state: "stopped" }
    yield* watchExit(proc)
    yield* Effect.logInfo(log(`started process ${proc.pid}: ${settings.command} ${settings.args.join(" ")}`))
  })

  const stop = Effect.suspend(() => {
    const proc = current
    if (proc === undefined) return Effect.void
    return askToStop(proc).pipe(
      Effect.andThen(Scope.close(proc.scope, Exit.void)),
      Effect.andThen(Deferred.await(proc.ended)),
      Effect.asVoid
    )
  })

  const provider: ServerProvider = {
    kind: "local",
    // Already running (or starting): nothing to do, the state machine will see it.
    start: Effect.suspend(() => (current === undefined ? spawn : Effect.void)),
    stop,
    status: Effect.sync((): ProviderReport => {
      const proc = current
      if (proc === undefined) return last
      const detail = `pid ${proc.pid}`
      return { state: proc.stopRequested ? "stopping" : proc.ready ? "running" : "starting", detail }
    })
  }
  return provider
})
