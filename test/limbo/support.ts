/**
 * A limbo on a real TCP port, for real clients: every accepted socket is handed to
 * `Limbo.serve` with the request the test chooses, and each visit is published (with its exit)
 * so tests wait on events, not sleeps. Plus a minecraft-protocol player that records what the
 * limbo shows it (chat, action bar, titles) and its keep-alives.
 */
import { Context, Deferred, Effect, FiberSet, Layer, Queue } from "effect"
import mc from "minecraft-protocol"
import * as Net from "node:net"
import { Limbo, type LimboOptions, type LimboRequest, type LimboVisit } from "../../src/limbo/Limbo.ts"
import type { LimboExit } from "../../src/limbo/LimboHandler.ts"
import { LimboHandlers } from "../../src/limbo/LimboHandlers.ts"
import { LimboRegistries } from "../../src/limbo/LimboRegistries.ts"

export const VERSIONS: ReadonlyArray<string> = mc.supportedVersions

/** The limbo and its registries, with test timings. */
export const limboLayer = (options: Partial<LimboOptions> = {}) =>
  Limbo.layerWith(options).pipe(Layer.provideMerge(Layer.mergeAll(LimboHandlers.layer, LimboRegistries.layer)))

export interface ServedVisit extends LimboVisit {
  /** The exit, once there is one (also a Deferred so tests can wait on it). */
  readonly exited: Deferred.Deferred<LimboExit>
}

export interface LimboServer {
  readonly port: number
  /** Visits in the order the connections arrived. */
  readonly visits: Queue.Queue<ServedVisit>
}

/** Serves every connection on 127.0.0.1:0 with `request` until the scope closes. */
export const limboServer = (request: (socket: Net.Socket) => Effect.Effect<LimboRequest, never, LimboHandlers>) =>
  Effect.gen(function*() {
    const limbo = yield* Limbo
    const handlers = yield* LimboHandlers
    const visits = yield* Queue.unbounded<ServedVisit>()
    const run = yield* FiberSet.makeRuntime<never>()
    const server = Net.createServer((socket) => {
      run(Effect.scoped(Effect.gen(function*() {
        const visit = yield* limbo.serve(socket, yield* Effect.provideService(request(socket), LimboHandlers, handlers))
        const exited = Deferred.makeUnsafe<LimboExit>()
        yield* Queue.offer(visits, { ...visit, exited })
        yield* Deferred.succeed(exited, yield* visit.exit)
        // The player stays until it leaves: the test decides when the connection ends.
        yield* Effect.callback<void>((resume) => {
          if (socket.destroyed) return resume(Effect.void)
          socket.once("close", () => resume(Effect.void))
        })
      })))
    })
    yield* Effect.callback<void>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.void))
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
    return { port: (server.address() as Net.AddressInfo).port, visits } satisfies LimboServer
  })

export interface LimboClient {
  readonly client: mc.Client
  /** Text of chat / system messages, action bars and titles, as their JSON or NBT rendered to a string. */
  readonly texts: Array<string>
  readonly keepAlives: () => number
  readonly packets: Array<string>
  /** Packets of the configuration state (1.20.2+), with their fields. */
  readonly configuration: Array<{ readonly name: string; readonly data: Record<string, unknown> }>
  readonly kicked: Promise<string>
  readonly ended: Promise<void>
  /** Resolves when a text containing `needle` arrived. */
  readonly sawText: (needle: string) => Promise<void>
  /** Resolves when `n` keep-alives arrived (and were answered by minecraft-protocol). */
  readonly keepAlivesReached: (n: number) => Promise<void>
}

const TEXT_PACKETS = ["chat", "system_chat", "title", "set_title_text", "set_title_subtitle", "action_bar"] as const

const render = (packet: Record<string, unknown>): string =>
  JSON.stringify(packet, (_k, v) => (typeof v === "bigint" ? Number(v) : v))

/** A minecraft-protocol player that joins the limbo at 127.0.0.1:`port`; resolves at the join game. */
export const joinLimbo = (version: string, port: number, username: string, options: { readonly answerKeepAlives?: boolean } = {}) =>
  Effect.acquireRelease(
    Effect.callback<LimboClient, Error>((resume) => {
      const client = mc.createClient({ host: "127.0.0.1", port, username, version, auth: "offline", hideErrors: true, validateChannelProtocol: false, keepAlive: options.answerKeepAlives ?? true } as unknown as mc.ClientOptions)
      const texts: Array<string> = []
      const packets: Array<string> = []
      const configuration: Array<{ readonly name: string; readonly data: Record<string, unknown> }> = []
      const waiters: Array<() => void> = []
      let keepAlives = 0
      const notify = () => waiters.splice(0).forEach((w) => w())
      const until = (ok: () => boolean) => new Promise<void>((done) => {
        const check = () => (ok() ? done() : waiters.push(check))
        check()
      })
      let kick: (r: string) => void = () => {}
      const kicked = new Promise<string>((r) => (kick = r))
      const ended = new Promise<void>((r) => client.once("end", () => r()))
      client.on("packet", (data: Record<string, unknown>, meta: { name: string; state: string }) => {
        if (meta.state === "play") packets.push(meta.name)
        if (meta.state === "configuration") configuration.push({ name: meta.name, data })
        if ((TEXT_PACKETS as ReadonlyArray<string>).includes(meta.name)) texts.push(render(data))
        if (meta.name === "keep_alive") keepAlives++
        if (meta.name === "kick_disconnect" || meta.name === "disconnect") kick(render(data))
        notify()
      })
      client.on("end", (reason: string) => {
        setTimeout(() => kick(`ended: ${reason}`), 200)
      })
      client.on("error", () => {})
      const timer = setTimeout(() => resume(Effect.fail(new Error(`${username} (${version}) did not join the limbo within 10 s`))), 10_000)
      client.once("login", () => {
        clearTimeout(timer)
        resume(Effect.succeed({
          client, texts, packets, configuration, kicked, ended, keepAlives: () => keepAlives,
          sawText: (needle) => until(() => texts.some((t) => t.includes(needle))),
          keepAlivesReached: (n) => until(() => keepAlives >= n)
        }))
      })
    }),
    (c) => Effect.sync(() => c.client.end("bye"))
  )

/** One limbo server for a whole test file (with the limbo it serves through). */
export class TestLimbo extends Context.Service<TestLimbo, LimboServer>()("test/limbo/TestLimbo") {}

export const testLimboLayer = (request: (socket: Net.Socket) => Effect.Effect<LimboRequest, never, LimboHandlers>, options: Partial<LimboOptions> = {}) =>
  Layer.effect(TestLimbo, limboServer(request)).pipe(Layer.provideMerge(limboLayer(options)))

/** Waits for a promise of the test peers, bounded. */
export const within = <A>(what: string, promise: () => Promise<A>, ms = 10_000) =>
  Effect.promise(promise).pipe(Effect.timeoutOrElse({ duration: ms, orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) }))

