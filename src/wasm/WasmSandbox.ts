/**
 * One WebAssembly plugin's sandbox, as the proxy holds it: a worker thread (SandboxWorker.ts)
 * running the component, the budget of each call, and the restarts.
 *
 * - Calls go one at a time (a component instance is single-threaded); a call's budget
 *   (`max_call_time`) starts when it is sent, so waiting behind another call is bounded by the
 *   event bus's `listener_timeout` instead.
 * - A call that outlasts its budget, a trap (the memory cap included) or a dead worker stops the
 *   plugin: the worker is terminated, the call answers "keep the current result" (the event's
 *   default), the failure is logged with the plugin id, and the plugin starts again after a
 *   backoff that doubles with each failure in a row (reset once it has run for a minute).
 * - While it is down, its events are answered at once with the current result: players never
 *   wait for a plugin that is not there.
 */
import { Clock, Deferred, Duration, Effect, Exit, FiberSet, Metric, Option, Schema, Scope, Semaphore } from "effect"
import { Worker } from "node:worker_threads"
import type { ProxyEvent } from "../event/ProxyEvent.ts"
import { untrusted } from "../observability/LogText.ts"
import { tagged, taggedEach, wasmPluginCallDuration, wasmPluginCalls, wasmPluginFailures, wasmPluginRestarts } from "../observability/Metrics.ts"
import type { Description } from "./ComponentCheck.ts"
import type { FromSandbox, Prepared, SandboxData, ToSandbox } from "./SandboxProtocol.ts"
import type { WasmEventTag } from "./WitValues.ts"

const WORKER_URL = new URL("./SandboxWorker.ts", import.meta.url)
/** Preparing a large component (bindings for a JS engine) takes seconds on a busy machine. */
const START_TIMEOUT = Duration.seconds(60)
/** `init` runs once per start; a plugin may read its config there, so it gets more than a call. */
const INIT_BUDGET = Duration.seconds(1)
const FIRST_BACKOFF = Duration.millis(100)
const MAX_BACKOFF = Duration.seconds(30)
/**
 * The engine compiles a function the first time it runs, so the first call of each export after a
 * start may take tens of milliseconds more than the rest (a JS engine's export, on a busy machine).
 * That first call gets this much on top of `max_call_time`; every later call gets the budget alone.
 */
const WARM_UP = Duration.millis(250)
/** A plugin that ran this long before failing starts again after the first backoff. */
const HEALTHY_AFTER = Duration.minutes(1)
/** The worker's own JS heap (the bindings); the component's memory is capped separately. */
const WORKER_HEAP_MB = 256
/** A plugin's log line is its own text: escaped and cut here, so a plugin cannot forge or flood lines. */
const MAX_PLUGIN_LOG_CHARS = 1024

export interface SandboxOptions {
  readonly id: string
  readonly bytes: Uint8Array
  readonly maxMemoryBytes: number
  readonly maxCallTime: Duration.Duration
  readonly configJson: string
  readonly dataDir: string
  /** What the world looks like, when known; `learnWorld` receives it once a worker built it. */
  readonly world: Description | undefined
  readonly learnWorld: (world: Description) => void
  /** Called after every start with the events the plugin asked for. */
  readonly onEvents: (tags: ReadonlyArray<WasmEventTag>) => Effect.Effect<void>
}

export interface Sandbox {
  /** The new result of an awaited event, or undefined to keep `current` (also when the plugin is down). */
  readonly call: (event: ProxyEvent, current: unknown) => Effect.Effect<unknown>
}

type Reply = Extract<FromSandbox, { readonly _tag: "Done" | "Trapped" }> | { readonly _tag: "Exited"; readonly message: string }

interface Instance {
  readonly scope: Scope.Closeable
  /** The events it has answered once (their code is compiled). */
  readonly warm: Set<string>
  readonly request: (message: ToSandbox) => Effect.Effect<Reply>
  /** Resolved by the first of: instantiated, refused, failed to start. */
  readonly started: Deferred.Deferred<{ readonly _tag: "Ok" } | { readonly _tag: "Refused" | "Failed"; readonly message: string }>
}

/** The plugin is not loaded: it does not fit the world, its limits, or it cannot start. */
export class WasmPluginRefused extends Schema.TaggedError<WasmPluginRefused>()("WasmPluginRefused", {
  plugin: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `plugin '${this.plugin}' is not loaded: ${this.detail}`
  }
}

type StartOutcome = { readonly _tag: "Running"; readonly events: ReadonlyArray<WasmEventTag> } | { readonly _tag: "Refused" | "Failed"; readonly message: string }

/**
 * Starts the plugin for the current scope's lifetime. Fails when the component is refused (not of
 * the world, too big for its memory cap) or cannot start at all: then nothing runs.
 */
export const startSandbox = (options: SandboxOptions): Effect.Effect<Sandbox, WasmPluginRefused, Scope.Scope> =>
  Effect.gen(function*() {
    const { id } = options
    const scope = yield* Effect.scope
    const runFork = yield* FiberSet.makeRuntime<never>()
    const lock = yield* Semaphore.make(1)
    const failures = taggedEach(tagged(wasmPluginFailures, { plugin: id }), "reason", ["timeout", "trap", "crash", "start"])
    const calls = tagged(wasmPluginCalls, { plugin: id })
    const callTime = tagged(wasmPluginCallDuration, { plugin: id })
    const restarts = tagged(wasmPluginRestarts, { plugin: id })
    let prepared: Prepared | undefined
    let running: Instance | undefined
    let strikes = 0
    let startedAt = 0

    const spawn = (source: SandboxData["source"]) =>
      Effect.gen(function*() {
        const instanceScope = yield* Scope.fork(scope)
        const data: SandboxData = {
          id,
          source,
          world: options.world,
          maxMemoryBytes: options.maxMemoryBytes,
          configJson: options.configJson,
          dataDir: options.dataDir
        }
        const worker = yield* Scope.provide(instanceScope)(Effect.acquireRelease(
          Effect.sync(() => new Worker(WORKER_URL, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } })),
          (w) => Effect.sync(() => void w.terminate())
        ))
        const started = Deferred.makeUnsafe<{ readonly _tag: "Ok" } | { readonly _tag: "Refused" | "Failed"; readonly message: string }>()
        const pending = new Map<number, (reply: Reply) => void>()
        let nextId = 0
        let exitMessage: string | undefined
        const settleAll = (message: string) => {
          exitMessage ??= message
          Deferred.doneUnsafe(started, Effect.succeed({ _tag: "Failed", message }))
          for (const resume of pending.values()) resume({ _tag: "Exited", message })
          pending.clear()
        }
        worker.on("message", (message: FromSandbox) => {
          switch (message._tag) {
            case "World":
              return options.learnWorld(message.world)
            case "Prepared":
              prepared = message.prepared
              return
            case "Refused":
              return Deferred.doneUnsafe(started, Effect.succeed({ _tag: "Refused", message: message.message }))
            case "Instantiated":
              return Deferred.doneUnsafe(started, Effect.succeed({ _tag: "Ok" }))
            case "Log":
              return void runFork(logAt(message.level, untrusted(message.message, MAX_PLUGIN_LOG_CHARS)).pipe(Effect.annotateLogs({ plugin: id })))
            case "Done":
            case "Trapped": {
              if (message._tag === "Trapped" && message.id === -1) return Deferred.doneUnsafe(started, Effect.succeed({ _tag: "Failed", message: message.message }))
              const resume = pending.get(message.id)
              pending.delete(message.id)
              return resume?.(message)
            }
          }
        })
        worker.on("error", (error) => settleAll(`its worker failed: ${error.message}`))
        worker.on("exit", (code) => settleAll(`its worker exited (code ${code})`))
        const request = (message: ToSandbox) =>
          Effect.callback<Reply>((resume) => {
            if (exitMessage !== undefined) return resume(Effect.succeed({ _tag: "Exited", message: exitMessage }))
            pending.set(message.id, (reply) => resume(Effect.succeed(reply)))
            worker.postMessage(message)
            // A call cut off by its budget is forgotten (its worker is being stopped anyway).
            return Effect.sync(() => pending.delete(message.id))
          })
        const instance: Instance = { scope: instanceScope, warm: new Set(), started, request: (message) => Effect.suspend(() => request({ ...message, id: nextId++ })) }
        return instance
      })

    /** Starts a worker and runs `init` within its budget. */
    const start = Effect.gen(function*() {
      const instance = yield* spawn(prepared === undefined ? { _tag: "Component", bytes: options.bytes } : { _tag: "Prepared", prepared })
      const outcome = yield* Deferred.await(instance.started).pipe(
        Effect.timeoutOption(START_TIMEOUT),
        Effect.map(Option.getOrElse(() => ({ _tag: "Failed", message: `it did not start within ${Duration.format(START_TIMEOUT)}` }) as const))
      )
      if (outcome._tag !== "Ok") {
        yield* Scope.close(instance.scope, Exit.void)
        return outcome satisfies StartOutcome
      }
      yield* Metric.update(calls, 1)
      const init = yield* instance.request({ _tag: "Init", id: 0 }).pipe(Effect.timeoutOption(Duration.max(INIT_BUDGET, options.maxCallTime)))
      const reply = Option.getOrUndefined(init)
      if (reply === undefined || reply._tag !== "Done") {
        yield* Scope.close(instance.scope, Exit.void)
        const message = reply === undefined ? `its init took longer than ${Duration.format(Duration.max(INIT_BUDGET, options.maxCallTime))}` : `its init failed: ${reply.message}`
        return { _tag: "Failed", message } satisfies StartOutcome
      }
      running = instance
      startedAt = yield* Clock.currentTimeMillis
      yield* options.onEvents(reply.events ?? [])
      return { _tag: "Running", events: reply.events ?? [] } satisfies StartOutcome
    })

    /**
     * Stops `instance` (absent when a start failed) after a failure and schedules the next start;
     * a failure of an instance that was already replaced changes nothing. The caller (an event)
     * goes on at once: stopping, logging and restarting run in the plugin's own fiber.
     */
    const fail = (instance: Instance | undefined, reason: "timeout" | "trap" | "crash" | "start", message: string): Effect.Effect<void> =>
      Effect.sync(() => {
        if (instance !== undefined) {
          if (running !== instance) return
          running = undefined
        }
        runFork(Effect.gen(function*() {
          if (instance !== undefined) yield* Scope.close(instance.scope, Exit.void)
          yield* Metric.update(failures[reason], 1)
          const now = yield* Clock.currentTimeMillis
          if (instance !== undefined && now - startedAt >= Duration.toMillis(HEALTHY_AFTER)) strikes = 0
          strikes++
          const backoff = Duration.min(Duration.times(FIRST_BACKOFF, 2 ** Math.min(strikes - 1, 16)), MAX_BACKOFF)
          yield* Effect.logError(`plugin '${id}' was stopped: ${message}; starting it again in ${Duration.format(backoff)}`)
          yield* Effect.sleep(backoff)
          yield* restart
        }).pipe(Effect.annotateLogs({ plugin: id })))
      })

    const restart: Effect.Effect<void> = Effect.gen(function*() {
      const outcome = yield* start
      if (outcome._tag !== "Running") return yield* fail(undefined, "start", outcome.message)
      yield* Metric.update(restarts, 1)
      yield* Effect.logInfo(`plugin '${id}' started again`).pipe(Effect.annotateLogs({ plugin: id }))
    })

    const first = yield* start
    if (first._tag !== "Running") return yield* new WasmPluginRefused({ plugin: id, detail: first.message })

    const call = (event: ProxyEvent, current: unknown): Effect.Effect<unknown> =>
      running === undefined ? Effect.succeed(undefined) : Semaphore.withPermit(lock)(Effect.gen(function*() {
        const instance = running
        if (instance === undefined) return undefined
        const before = yield* Clock.currentTimeNanos
        const budget = instance.warm.has(event._tag) ? options.maxCallTime : Duration.sum(options.maxCallTime, WARM_UP)
        const reply = yield* instance.request({ _tag: "Call", id: 0, event, current }).pipe(Effect.timeoutOption(budget))
        const elapsed = Number((yield* Clock.currentTimeNanos) - before) / 1e9
        yield* Metric.update(calls, 1)
        yield* Metric.update(callTime, elapsed)
        if (Option.isNone(reply)) {
          yield* fail(instance, "timeout", `its ${event._tag} call took longer than ${Duration.format(budget)} (max_call_time${budget === options.maxCallTime ? "" : ", and its first call's warm-up"})`)
          return undefined
        }
        const answer = reply.value
        if (answer._tag === "Done") {
          instance.warm.add(event._tag)
          return answer.value
        }
        if (answer._tag === "Trapped") yield* fail(instance, "trap", `it trapped in its ${event._tag} call: ${answer.message}`)
        else yield* fail(instance, "crash", `${answer.message} during its ${event._tag} call`)
        return undefined
      }))

    return { call }
  })

const logAt = (level: "debug" | "info" | "warn" | "error", message: string) => {
  switch (level) {
    case "debug": return Effect.logDebug(message)
    case "info": return Effect.logInfo(message)
    case "warn": return Effect.logWarning(message)
    case "error": return Effect.logError(message)
  }
}
