/**
 * OTLP export end to end, over both transports, into a real OTLP receiver built from the
 * official protobuf definitions (test/support/OtlpReceiver.ts): a status ping and a login
 * through the proxy, then the receiver must hold the connection spans with their stage
 * children and attributes, the resource, and every metric the proxy records, with plausible
 * values. Sampling ratio 0 must export no span at all (metrics still flow).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { loginExpectingKick } from "../support/McClients.ts"
import { latestMetrics, type OtlpReceiver, otlpReceiver, type ReceivedSpan } from "../support/OtlpReceiver.ts"
import { waitUntil } from "../support/Poll.ts"
import { freePort } from "../support/Ports.ts"
import {
  childrenOf,
  describeTree,
  descendantsOf,
  HOST,
  SERVER,
  sendTraffic,
  startBackend,
  startObservedProxy,
  VERSION
} from "./support.ts"

const telemetryToml = (protocol: "http" | "grpc", port: number, ratio: number) => `
[telemetry]
enabled = true
protocol = "${protocol}"
endpoint = "http://127.0.0.1:${port}"
[telemetry.metrics]
export_interval = "1s"
[telemetry.traces]
sampling_ratio = ${ratio.toFixed(1)}
[telemetry.resource]
service_name = "infrarust-test"
service_version = "9.9.9-test"
`

/** Runs the proxy with `[telemetry]`, sends the traffic, stops it (which flushes), returns the receiver. */
const exportRun = (protocol: "http" | "grpc", ratio: number) =>
  Effect.gen(function*() {
    const receiver = yield* otlpReceiver()
    const backend = yield* startBackend
    const port = protocol === "http" ? receiver.httpPort : receiver.grpcPort
    const logs = yield* Effect.scoped(
      Effect.gen(function*() {
        const proxy = yield* startObservedProxy(backend.port, telemetryToml(protocol, port, ratio))
        yield* sendTraffic(proxy)
        return proxy.logs
      })
    )
    return { receiver, logs }
  })

const byName = (spans: ReadonlyArray<ReceivedSpan>, name: string) => spans.filter((s) => s.name === name)

const assertTraces = (receiver: OtlpReceiver) => {
  const spans = receiver.spans
  const connections = byName(spans, "proxy.connection")
  assert.strictEqual(connections.length, 2, `two connections, got: ${spans.map((s) => s.name).join(", ")}`)
  for (const span of spans) {
    assert.strictEqual(span.resource["service.name"], "infrarust-test")
    assert.strictEqual(span.resource["service.version"], "9.9.9-test")
  }

  const status = connections.find((s) => s.attributes["proxy.outcome"] === "status")
  const login = connections.find((s) => s.attributes["proxy.outcome"] === "relayed")
  assert.isDefined(status, JSON.stringify(connections.map((c) => c.attributes)))
  assert.isDefined(login)
  for (const connection of [status!, login!]) {
    assert.isUndefined(connection.parentSpanId)
    assert.strictEqual(connection.kind, 2, "proxy.connection is a server span")
    assert.strictEqual(connection.attributes["client.address"], "127.0.0.1")
    assert.strictEqual(connection.attributes["network.peer.address"], "127.0.0.1")
    assert.isAbove(connection.attributes["network.peer.port"] as number, 0)
    assert.strictEqual(connection.attributes["server.address"], HOST)
    assert.strictEqual(connection.attributes["mc.protocol_version"], 769)
    assert.strictEqual(connection.attributes["proxy.route"], SERVER)
    assert.strictEqual(connection.attributes["proxy.mode"], "passthrough")
    assert.notStrictEqual(connection.status.code, 2, "no error")
  }

  // Other parts of the proxy may add spans of their own (admission, balancer): check ours are there.
  const statusTree = describeTree(spans, status!)
  assert.includeMembers(childrenOf(spans, status!).map((s) => s.name), ["proxy.handshake", "proxy.route", "proxy.status_exchange"], statusTree)
  assert.include(descendantsOf(spans, status!).map((s) => s.name), "proxy.status", statusTree)

  const loginTree = describeTree(spans, login!)
  // The relay is the login stage's sibling: the stages end before the session is relayed.
  assert.includeMembers(childrenOf(spans, login!).map((s) => s.name), ["proxy.handshake", "proxy.login", "proxy.route", "proxy.relay"], loginTree)
  const loginStage = byName(childrenOf(spans, login!), "proxy.login")[0]!
  assert.includeMembers(childrenOf(spans, loginStage).map((s) => s.name), ["proxy.backend_connect"], loginTree)
  const connect = byName(childrenOf(spans, loginStage), "proxy.backend_connect")[0]!
  assert.strictEqual(connect.kind, 3, "backend_connect is a client span")
  assert.match(connect.attributes["proxy.backend"] as string, /^127\.0\.0\.1:\d+$/)
  const relay = byName(childrenOf(spans, login!), "proxy.relay")[0]!
  const route = byName(childrenOf(spans, login!), "proxy.route")[0]!
  assert.strictEqual(route.attributes["proxy.route"], SERVER)

  // The session's numbers, on the relay span and the connection span alike.
  for (const span of [relay, login!]) {
    assert.isAbove(span.attributes["proxy.bytes_c2b"] as number, 0)
    assert.isAbove(span.attributes["proxy.bytes_b2c"] as number, 0)
    assert.strictEqual(span.attributes["proxy.end_reason"], "client_closed")
  }
  assert.strictEqual(relay.attributes["proxy.bytes_b2c"], login!.attributes["proxy.bytes_b2c"])
  // Every span of a connection is in the connection's trace.
  for (const span of [...descendantsOf(spans, status!), ...descendantsOf(spans, login!)]) {
    assert.include([status!.traceId, login!.traceId], span.traceId)
  }
  return { login: login! }
}

const assertMetrics = (receiver: OtlpReceiver, login: ReceivedSpan | undefined) => {
  const metrics = latestMetrics(receiver)
  const metric = (name: string) => {
    const m = metrics.get(name)
    assert.isDefined(m, `${name} exported; got ${[...metrics.keys()].join(", ")}`)
    assert.strictEqual(m!.resource["service.name"], "infrarust-test")
    assert.strictEqual(m!.resource["service.version"], "9.9.9-test")
    return m!
  }
  const point = (name: string, attributes: Record<string, string>) => {
    const found = metric(name).points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    assert.isDefined(found, `${name} ${JSON.stringify(attributes)}: ${JSON.stringify(metric(name).points)}`)
    return found!
  }

  // Units (UCUM) travel with the metrics.
  assert.strictEqual(metric("infrarust.handshake.duration").unit, "s")
  assert.strictEqual(metric("infrarust.bytes.relayed").unit, "By")
  assert.strictEqual(metric("infrarust.connections.total").unit, "{connection}")

  const total = metric("infrarust.connections.total")
  assert.strictEqual(total.kind, "sum")
  assert.isTrue(total.monotonic)
  assert.strictEqual(point("infrarust.connections.total", { outcome: "status" }).value, 1)
  assert.strictEqual(point("infrarust.connections.total", { outcome: "relayed" }).value, 1)
  assert.strictEqual(metric("infrarust.connections.active").kind, "gauge")
  assert.strictEqual(metric("infrarust.connections.active").points[0]!.value, 0)

  const handshake = metric("infrarust.handshake.duration")
  assert.strictEqual(handshake.kind, "histogram")
  assert.strictEqual(handshake.points[0]!.count, 2)
  assert.isAbove(handshake.points[0]!.sum!, 0)
  assert.isBelow(handshake.points[0]!.sum!, 2, "two loopback handshakes take well under a second each")

  const connect = point("infrarust.backend.connect.duration", { server: SERVER })
  assert.strictEqual(connect.count, 1)
  assert.isBelow(connect.sum!, 1)

  const c2b = point("infrarust.bytes.relayed", { server: SERVER, direction: "c2b" }).value!
  const b2c = point("infrarust.bytes.relayed", { server: SERVER, direction: "b2c" }).value!
  assert.isAbove(c2b, 0)
  assert.isAbove(b2c, c2b, "the backend sends more than the client (join game, chunks of keep-alives)")
  if (login !== undefined) {
    assert.strictEqual(c2b, login.attributes["proxy.bytes_c2b"])
    assert.strictEqual(b2c, login.attributes["proxy.bytes_b2c"])
  }

  const session = point("infrarust.session.duration", { server: SERVER })
  assert.strictEqual(session.count, 1)
  assert.isAbove(session.sum!, 0.5, "the session waited for two keep-alives (0.5 s apart)")
  assert.isBelow(session.sum!, 10)
  assert.strictEqual(point("infrarust.players.online", { server: SERVER }).value, 0)

  // Recorded by the status plane; exported by the same pipeline.
  assert.isAtLeast(metric("infrarust.status.cache.lookups").points.length, 1)
  assert.strictEqual(point("infrarust.status.fetch.duration", { server: SERVER }).count, 1)
}

describe("OTLP export to a real receiver", () => {
  for (const protocol of ["http", "grpc"] as const) {
    it.live(`${protocol}: connection spans with stage children, resource and metrics`, () =>
      Effect.gen(function*() {
        const { logs, receiver } = yield* exportRun(protocol, 1)
        assert.isTrue(
          logs.some((l) => l.message.startsWith(`telemetry: OTLP/${protocol === "grpc" ? "gRPC" : "HTTP"} to http://127.0.0.1:`)),
          "the start-up log names the exporter"
        )
        assert.isAbove(receiver.requests[`${protocol} traces`] ?? 0, 0)
        assert.isAbove(receiver.requests[`${protocol} metrics`] ?? 0, 0)
        const { login } = assertTraces(receiver)
        assertMetrics(receiver, login)
      }), { timeout: 30_000 })
  }

  for (const protocol of ["http", "grpc"] as const) {
    it.live(`${protocol}: sampling_ratio 0 exports no span; metrics still flow`, () =>
      Effect.gen(function*() {
        const { receiver } = yield* exportRun(protocol, 0)
        assert.strictEqual(receiver.spans.length, 0)
        assertMetrics(receiver, undefined)
      }), { timeout: 30_000 })
  }

  it.live("errors are recorded on the spans: no reachable backend, bad data from a client", () =>
    Effect.gen(function*() {
      const receiver = yield* otlpReceiver()
      // A port nobody listens on any more.
      const deadPort = yield* Effect.promise(freePort)
      yield* Effect.scoped(Effect.gen(function*() {
        const proxy = yield* startObservedProxy(deadPort, telemetryToml("http", receiver.httpPort, 1))
        const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, HOST))
        assert.isString(reason)
        // Not a handshake: a length prefix announcing more than any handshake may be.
        yield* Effect.promise(() =>
          new Promise<void>((resolve) => {
            const socket = Net.connect(proxy.port, "127.0.0.1", () => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])))
            socket.on("close", () => resolve())
            socket.on("error", () => {})
          })
        )
        yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("bad data")), "the bad-data log line")
      }))
      const spans = receiver.spans
      const connections = spans.filter((s) => s.name === "proxy.connection")
      const noBackend = connections.find((s) => s.attributes["proxy.outcome"] === "no_backend")
      const garbage = connections.find((s) => s.attributes["proxy.outcome"] === "error")
      assert.isDefined(noBackend, JSON.stringify(connections.map((c) => c.attributes)))
      assert.isDefined(garbage)

      const connect = descendantsOf(spans, noBackend!).find((s) => s.name === "proxy.backend_connect")
      assert.isDefined(connect, describeTree(spans, noBackend!))
      assert.strictEqual(connect!.status.code, 2, "backend_connect failed")
      const exception = connect!.events.find((e) => e.name === "exception")
      assert.strictEqual(exception?.attributes["exception.type"], "NoBackendReachable")
      assert.strictEqual(exception?.attributes["exception.message"], `no backend of '${SERVER}' is reachable`)
      assert.notStrictEqual(noBackend!.status.code, 2, "the connection itself ended as configured (a kick)")

      assert.strictEqual(garbage!.status.code, 2)
      assert.strictEqual(garbage!.events.find((e) => e.name === "exception")?.attributes["exception.type"], "ProtocolError")
      const handshake = childrenOf(spans, garbage!).find((s) => s.name === "proxy.handshake")
      assert.strictEqual(handshake?.status.code, 2)

      const metrics = latestMetrics(receiver)
      const outcomes = (metrics.get("infrarust.connections.total")?.points ?? []).map((p) => `${p.attributes["outcome"]}=${p.value}`)
      assert.includeMembers(outcomes, ["no_backend=1", "error=1"])
      assert.isAtLeast(metrics.get("infrarust.backend.connect.failures")?.points[0]?.value ?? 0, 1)
    }), { timeout: 30_000 })
})
