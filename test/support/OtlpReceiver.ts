/**
 * A real OTLP receiver for tests, built from the official OpenTelemetry protobuf definitions
 * (`otlp-proto-defs` = @opentelemetry/otlp-transformer@0.211.0, whose generated protobufjs
 * module decodes `opentelemetry.proto.collector.*`): see ../shared/docs/test-peers.md §4.
 *
 * - OTLP/HTTP on 127.0.0.1: `POST /v1/traces`, `/v1/metrics`, `/v1/logs`, protobuf or JSON
 *   bodies, optionally gzip-compressed; answers with an encoded empty Export*ServiceResponse.
 * - OTLP/gRPC on 127.0.0.1 (@grpc/grpc-js): the Export methods of TraceService, MetricsService
 *   and LogsService.
 *
 * Everything received is normalised (hex ids, plain attribute values) into `spans` and
 * `metrics`, with the resource attributes of the batch it came in.
 */
import * as Grpc from "@grpc/grpc-js"
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import * as Zlib from "node:zlib"

interface MessageType {
  decode: (bytes: Uint8Array) => unknown
  encode: (message: object) => { finish: () => Uint8Array }
  toObject: (message: unknown, options: object) => Record<string, unknown>
}
const root = createRequire(import.meta.url)("otlp-proto-defs/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: Record<"trace" | "metrics" | "logs", { v1: Record<string, MessageType> }> } }
}
const collector = root.opentelemetry.proto.collector

type Signal = "traces" | "metrics" | "logs"
const types: Record<Signal, { request: MessageType; response: MessageType; service: string }> = {
  traces: {
    request: collector.trace.v1["ExportTraceServiceRequest"]!,
    response: collector.trace.v1["ExportTraceServiceResponse"]!,
    service: "opentelemetry.proto.collector.trace.v1.TraceService"
  },
  metrics: {
    request: collector.metrics.v1["ExportMetricsServiceRequest"]!,
    response: collector.metrics.v1["ExportMetricsServiceResponse"]!,
    service: "opentelemetry.proto.collector.metrics.v1.MetricsService"
  },
  logs: {
    request: collector.logs.v1["ExportLogsServiceRequest"]!,
    response: collector.logs.v1["ExportLogsServiceResponse"]!,
    service: "opentelemetry.proto.collector.logs.v1.LogsService"
  }
}

export type Attributes = Record<string, unknown>

export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  /** 1 internal, 2 server, 3 client. */
  readonly kind: number
  readonly attributes: Attributes
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string }
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Attributes }>
  readonly resource: Attributes
  readonly transport: string
}

export interface ReceivedPoint {
  readonly attributes: Attributes
  readonly value?: number
  readonly count?: number
  readonly sum?: number
  readonly bucketCounts?: ReadonlyArray<number>
  readonly explicitBounds?: ReadonlyArray<number>
}

export interface ReceivedMetric {
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: "sum" | "gauge" | "histogram" | "other"
  readonly monotonic: boolean
  readonly points: ReadonlyArray<ReceivedPoint>
  readonly resource: Attributes
  readonly transport: string
}

export interface OtlpReceiver {
  readonly httpPort: number
  readonly grpcPort: number
  readonly spans: Array<ReceivedSpan>
  readonly metrics: Array<ReceivedMetric>
  /** Requests per transport and signal, e.g. `"grpc traces": 2`. */
  readonly requests: Record<string, number>
  readonly close: () => Promise<void>
}

// ---- normalisation (protobuf objects and OTLP/JSON share field names) ----

type Obj = Record<string, unknown>

const hex = (id: unknown): string =>
  typeof id === "string" ? id : id instanceof Uint8Array ? Buffer.from(id).toString("hex") : ""

const num = (value: unknown): number => (typeof value === "string" ? Number(value) : typeof value === "number" ? value : Number(value ?? 0))

const anyValue = (value: Obj | undefined): unknown => {
  if (value === undefined) return undefined
  if ("stringValue" in value) return value["stringValue"]
  if ("boolValue" in value) return value["boolValue"]
  if ("intValue" in value) return num(value["intValue"])
  if ("doubleValue" in value) return num(value["doubleValue"])
  if ("arrayValue" in value) return ((value["arrayValue"] as Obj)["values"] as Array<Obj> | undefined ?? []).map(anyValue)
  if ("kvlistValue" in value) return attributes((value["kvlistValue"] as Obj)["values"])
  if ("bytesValue" in value) return hex(value["bytesValue"])
  return undefined
}

const attributes = (list: unknown): Attributes => {
  const out: Attributes = {}
  for (const kv of (list as Array<Obj> | undefined) ?? []) out[kv["key"] as string] = anyValue(kv["value"] as Obj | undefined)
  return out
}

const arr = (value: unknown): Array<Obj> => (value as Array<Obj> | undefined) ?? []

const ingestTraces = (receiver: OtlpReceiver, body: Obj, transport: string) => {
  for (const rs of arr(body["resourceSpans"])) {
    const resource = attributes((rs["resource"] as Obj | undefined)?.["attributes"])
    for (const ss of arr(rs["scopeSpans"])) {
      for (const s of arr(ss["spans"])) {
        const parent = hex(s["parentSpanId"])
        const status = (s["status"] as Obj | undefined) ?? {}
        receiver.spans.push({
          traceId: hex(s["traceId"]),
          spanId: hex(s["spanId"]),
          parentSpanId: parent === "" ? undefined : parent,
          name: s["name"] as string,
          kind: num(s["kind"]),
          attributes: attributes(s["attributes"]),
          status: {
            code: num(status["code"]),
            ...(typeof status["message"] === "string" ? { message: status["message"] } : {})
          },
          events: arr(s["events"]).map((e) => ({ name: e["name"] as string, attributes: attributes(e["attributes"]) })),
          resource,
          transport
        })
      }
    }
  }
}

const point = (p: Obj): ReceivedPoint => ({
  attributes: attributes(p["attributes"]),
  ...("asDouble" in p ? { value: num(p["asDouble"]) } : "asInt" in p ? { value: num(p["asInt"]) } : {}),
  ...("count" in p ? { count: num(p["count"]) } : {}),
  ...("sum" in p ? { sum: num(p["sum"]) } : {}),
  ...("bucketCounts" in p ? { bucketCounts: arr(p["bucketCounts"]).map(num) } : {}),
  ...("explicitBounds" in p ? { explicitBounds: arr(p["explicitBounds"]).map(num) } : {})
})

const ingestMetrics = (receiver: OtlpReceiver, body: Obj, transport: string) => {
  for (const rm of arr(body["resourceMetrics"])) {
    const resource = attributes((rm["resource"] as Obj | undefined)?.["attributes"])
    for (const sm of arr(rm["scopeMetrics"])) {
      for (const m of arr(sm["metrics"])) {
        const data = (m["sum"] ?? m["gauge"] ?? m["histogram"]) as Obj | undefined
        receiver.metrics.push({
          name: m["name"] as string,
          description: (m["description"] as string | undefined) ?? "",
          unit: (m["unit"] as string | undefined) ?? "",
          kind: m["sum"] !== undefined ? "sum" : m["gauge"] !== undefined ? "gauge" : m["histogram"] !== undefined ? "histogram" : "other",
          monotonic: (m["sum"] as Obj | undefined)?.["isMonotonic"] === true,
          points: arr(data?.["dataPoints"]).map(point),
          resource,
          transport
        })
      }
    }
  }
}

const ingest = (receiver: OtlpReceiver, signal: Signal, body: Obj, transport: string) => {
  const key = `${transport} ${signal}`
  receiver.requests[key] = (receiver.requests[key] ?? 0) + 1
  if (signal === "traces") ingestTraces(receiver, body, transport)
  else if (signal === "metrics") ingestMetrics(receiver, body, transport)
}

const decodeProtobuf = (signal: Signal, bytes: Uint8Array): Obj => {
  const type = types[signal].request
  return type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: false })
}

// ---- transports ----

const readBody = (request: Http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (c: Buffer) => chunks.push(c))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

const startHttp = (receiver: OtlpReceiver): Promise<Http.Server> =>
  new Promise((resolve) => {
    const server = Http.createServer((request, response) => {
      const signal = ({ "/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs" } as const)[
        request.url as "/v1/traces"
      ] as Signal | undefined
      if (request.method !== "POST" || signal === undefined) {
        response.writeHead(404).end()
        return
      }
      readBody(request).then((raw) => {
        try {
          const body = request.headers["content-encoding"] === "gzip" ? Zlib.gunzipSync(raw) : raw
          const json = (request.headers["content-type"] ?? "").includes("json")
          ingest(receiver, signal, json ? JSON.parse(body.toString("utf8")) : decodeProtobuf(signal, body), "http")
          if (json) response.writeHead(200, { "content-type": "application/json" }).end("{}")
          else response.writeHead(200, { "content-type": "application/x-protobuf" }).end(types[signal].response.encode({}).finish())
        } catch (error) {
          response.writeHead(400).end(String(error))
        }
      }, () => response.writeHead(400).end())
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

const startGrpc = (receiver: OtlpReceiver): Promise<{ server: Grpc.Server; port: number }> =>
  new Promise((resolve, reject) => {
    const server = new Grpc.Server()
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const { request, response, service } = types[signal]
      server.addService(
        {
          Export: {
            path: `/${service}/Export`,
            requestStream: false,
            responseStream: false,
            requestSerialize: (message: object) => Buffer.from(request.encode(message).finish()),
            requestDeserialize: (bytes: Buffer) => decodeProtobuf(signal, bytes),
            responseSerialize: (message: object) => Buffer.from(response.encode(message).finish()),
            responseDeserialize: (bytes: Buffer) => response.decode(bytes)
          }
        },
        {
          Export: (call: Grpc.ServerUnaryCall<Obj, object>, callback: Grpc.sendUnaryData<object>) => {
            ingest(receiver, signal, call.request, "grpc")
            callback(null, {})
          }
        }
      )
    }
    server.bindAsync("127.0.0.1:0", Grpc.ServerCredentials.createInsecure(), (error, port) =>
      error === null ? resolve({ server, port }) : reject(error))
  })

export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const receiver = {
    httpPort: 0,
    grpcPort: 0,
    spans: [] as Array<ReceivedSpan>,
    metrics: [] as Array<ReceivedMetric>,
    requests: {} as Record<string, number>,
    close: async () => {}
  }
  const http = await startHttp(receiver)
  const grpc = await startGrpc(receiver)
  receiver.httpPort = (http.address() as AddressInfo).port
  receiver.grpcPort = grpc.port
  receiver.close = () =>
    new Promise<void>((resolve) => {
      http.closeAllConnections()
      http.close()
      grpc.server.tryShutdown(() => resolve())
      setTimeout(() => {
        grpc.server.forceShutdown()
        resolve()
      }, 1000).unref()
    })
  return receiver
}

/** {@link startOtlpReceiver}, closed with the scope. */
export const otlpReceiver = (): Effect.Effect<OtlpReceiver, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(startOtlpReceiver), (r) => Effect.promise(r.close))

/** The last exported data point set of each metric name (cumulative exports: the latest wins). */
export const latestMetrics = (receiver: OtlpReceiver): Map<string, ReceivedMetric> => {
  const latest = new Map<string, ReceivedMetric>()
  for (const m of receiver.metrics) latest.set(m.name, m)
  return latest
}
