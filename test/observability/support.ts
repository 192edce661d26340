/**
 * Shared pieces of the observability tests: a proxy with one real minecraft-protocol backend,
 * the traffic every test sends through it (a status ping, then a login with chat), and the
 * span-tree helpers the assertions use.
 */
import { Effect, Metric, type Scope } from "effect"
import { loginAndChat, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import type { ReceivedSpan } from "../support/OtlpReceiver.ts"
import { waitUntil } from "../support/Poll.ts"
import { type ProxyFixture, serverToml, startProxy } from "../support/ProxyHarness.ts"

export const VERSION = "1.21.4"
export const HOST = "mc.example.com"
/** The route id is the server file's name. */
export const SERVER = "survival"

export const startBackend = mcServer(VERSION)

/**
 * A proxy routing {@link HOST} to `backendPort`, with `global` TOML appended; its metrics go
 * to a registry of its own, so tests in one file never see each other's counts.
 */
export const startObservedProxy = (backendPort: number, global: string): Effect.Effect<ProxyFixture, unknown, Scope.Scope> =>
  startProxy({
    global: `shutdown_timeout = "2s"\n${global}`,
    servers: { [`${SERVER}.toml`]: serverToml([HOST], [`127.0.0.1:${backendPort}`]) }
  }).pipe(Effect.provideService(Metric.MetricRegistry, new Map()))

/** A status ping, then a full login with chat as "Alice". */
export const sendTrafficTo = (port: number) =>
  Effect.gen(function*() {
    yield* Effect.promise(() => ping(VERSION, port, HOST))
    const session = yield* Effect.promise(() => loginAndChat(VERSION, port, HOST, "Alice"))
    if (!session.echoed) return yield* Effect.die("the session did not carry chat")
  })

/** {@link sendTrafficTo}, then waits until the proxy has logged the session end. */
export const sendTraffic = (proxy: ProxyFixture) =>
  Effect.andThen(
    sendTrafficTo(proxy.port),
    waitUntil(() => proxy.logs.some((l) => l.message.startsWith("session ended")), "the session end")
  )

/** The spans of `root`'s trace under it, by name, following parent links. */
export const childrenOf = (spans: ReadonlyArray<ReceivedSpan>, parent: ReceivedSpan): Array<ReceivedSpan> =>
  spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId)

export const descendantsOf = (spans: ReadonlyArray<ReceivedSpan>, root: ReceivedSpan): Array<ReceivedSpan> => {
  const out: Array<ReceivedSpan> = []
  const queue = [root]
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const child of childrenOf(spans, node)) {
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

/** `name → children names` lines, for readable failure messages. */
export const describeTree = (spans: ReadonlyArray<ReceivedSpan>, root: ReceivedSpan, depth = 0): string =>
  [`${"  ".repeat(depth)}${root.name}`, ...childrenOf(spans, root).map((c) => describeTree(spans, c, depth + 1))].join("\n")
