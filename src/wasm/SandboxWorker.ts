/**
 * The thread one WebAssembly plugin runs on (WasmSandbox.ts starts it). It prepares the component
 * (Prepare.ts) or takes what an earlier start prepared, instantiates it with the world's host
 * functions (HostCalls.ts) and the WASI stubs (WasiStubs.ts), then answers calls one at a time.
 *
 * The proxy never waits on this thread beyond a call's budget: a plugin that loops, traps or runs
 * out of memory costs only this worker, which the proxy terminates and starts again. After a
 * trap the instance is finished (the component model forbids re-entering it), so the worker says
 * so and takes no more calls.
 *
 * Plain code on a dedicated thread: no Effect runtime, synchronous calls into the component.
 */
import { parentPort, workerData } from "node:worker_threads"
import type { EventTag } from "../event/ProxyEvent.ts"
import { hostImports, type LogLevel } from "./HostCalls.ts"
import { describeWorld, prepare } from "./Prepare.ts"
import type { FromSandbox, Prepared, SandboxData, ToSandbox } from "./SandboxProtocol.ts"
import { wasiImports } from "./WasiStubs.ts"
import { argumentsOf, EVENT_KINDS, EXPORT_OF, isEventKind, resultOf, type WasmEventTag } from "./WitValues.ts"

/** Log lines a plugin may write per second; the rest are counted and reported once. */
const LOG_LINES_PER_SECOND = 200

const data = workerData as SandboxData
const port = parentPort!
const send = (message: FromSandbox) => port.postMessage(message)

let logWindow = 0
let logLines = 0
let dropped = 0
const log = (level: LogLevel, message: string) => {
  const second = Math.floor(performance.now() / 1000)
  if (second !== logWindow) {
    if (dropped > 0) send({ _tag: "Log", level: "warn", message: `${dropped} log lines dropped (more than ${LOG_LINES_PER_SECOND} a second)` })
    logWindow = second
    logLines = 0
    dropped = 0
  }
  if (++logLines > LOG_LINES_PER_SECOND) dropped++
  else send({ _tag: "Log", level, message })
}

/** The part of the WebAssembly JS API used here (the project's `lib` carries no WebAssembly types). */
interface Memory {
  readonly buffer: ArrayBuffer
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>
  instantiate(module: object, imports: object): Promise<{ readonly exports: Record<string, unknown> }>
  readonly Memory: abstract new(...args: ReadonlyArray<never>) => Memory
}
const Wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly

/** The memories of the instance, to tell a trap at the memory cap from another trap. */
const memories: Array<Memory> = []
const instantiateCore = (module: object, imports: object) =>
  Wasm.instantiate(module, imports).then((instance) => {
    for (const value of Object.values(instance.exports)) if (value instanceof Wasm.Memory) memories.push(value)
    return instance
  })

type Bindings = { readonly instantiate: (get: (name: string) => Promise<object>, imports: unknown, core: typeof instantiateCore) => Promise<Record<string, unknown>> }

const instantiate = (prepared: Prepared) =>
  (import(`data:text/javascript;base64,${Buffer.from(prepared.js).toString("base64")}`) as Promise<Bindings>).then((bindings) =>
    bindings.instantiate(
      (name) => Wasm.compile(prepared.modules[name]!),
      {
        ...wasiImports({ stdout: (line) => log("debug", `stdout: ${line}`), stderr: (line) => log("debug", `stderr: ${line}`) }),
        "infrarust:plugin/host": hostImports({ dataDir: data.dataDir, configJson: data.configJson, log })
      },
      instantiateCore
    )
  )

const mib = (bytes: number) => `${Math.round((bytes / 1048576) * 10) / 10} MiB`

/**
 * The engine does not say why an allocator gave up, but a memory within a quarter of its cap
 * when the plugin trapped is the likely reason: say so, with the numbers.
 */
const memoryNote = () => {
  const used = Math.max(0, ...memories.map((m) => m.buffer.byteLength))
  return used >= data.maxMemoryBytes * 0.75 ? ` (its memory was at ${mib(used)} of its ${mib(data.maxMemoryBytes)} limit, max_memory)` : ""
}

const describeTrap = (error: unknown) =>
  `${error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error)}${memoryNote()}`

const serve = (events: Record<string, (...args: ReadonlyArray<unknown>) => unknown>) => {
  let finished = false
  port.on("message", (message: ToSandbox) => {
    if (finished) return
    // A trap leaves the instance unusable; everything the plugin's code throws is one.
    try {
      if (message._tag === "Init") {
        const kinds = events["init"]!() as ReadonlyArray<unknown>
        const tags: Array<WasmEventTag> = []
        for (const kind of kinds) if (isEventKind(kind) && !tags.includes(EVENT_KINDS[kind])) tags.push(EVENT_KINDS[kind])
        send({ _tag: "Done", id: message.id, value: undefined, events: tags })
        return
      }
      const tag = message.event._tag as EventTag
      const args = argumentsOf(message.event, message.current)
      const fn = EXPORT_OF[tag as WasmEventTag]
      if (args === undefined || fn === undefined) {
        send({ _tag: "Done", id: message.id, value: undefined })
        return
      }
      const answer = events[fn]!(...args)
      send({ _tag: "Done", id: message.id, value: resultOf(tag, message.current, answer) })
    } catch (error) {
      finished = true
      send({ _tag: "Trapped", id: message.id, message: describeTrap(error) })
    }
  })
}

const start = (prepared: Prepared) =>
  instantiate(prepared).then((instance) => {
    const events = (instance["events"] ?? instance["infrarust:plugin/events@0.1.0"]) as Record<string, (...args: ReadonlyArray<unknown>) => unknown>
    send({ _tag: "Instantiated" })
    serve(events)
  })

const prepared = (): Promise<Prepared | undefined> => {
  if (data.source._tag === "Prepared") return Promise.resolve(data.source.prepared)
  const bytes = data.source.bytes
  const world = data.world === undefined
    ? describeWorld().then((w) => {
      send({ _tag: "World", world: w })
      return w
    })
    : Promise.resolve(data.world)
  return world.then((w) => prepare(bytes, w, data.maxMemoryBytes)).then((p) => {
    if (p._tag === "Refused") {
      send({ _tag: "Refused", message: p.message })
      return undefined
    }
    send({ _tag: "Prepared", prepared: p.prepared })
    return p.prepared
  })
}

prepared()
  .then((p) => (p === undefined ? undefined : start(p)))
  .catch((error: unknown) => send({ _tag: "Trapped", id: -1, message: `it failed to start: ${describeTrap(error)}` }))
