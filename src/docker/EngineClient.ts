/**
 * A small client for the Docker Engine API over its unix socket or a TCP port, on Node's own
 * http module: the handful of calls discovery and the docker server manager make (list,
 * inspect, start, stop, unpause, the event stream). No Docker SDK: the API is plain HTTP/JSON.
 *
 * - Paths are unversioned (`/containers/json`): the Engine answers them with its own API
 *   version, so one client works with every Engine from 20.10 on.
 * - Every call is bounded in time ({@link REQUEST_TIMEOUT} unless given) and in size
 *   ({@link MAX_BODY}); the event stream is bounded until its headers arrive and then lives
 *   as long as its Scope. Nothing here retries: callers decide (discovery backs off).
 * - Failures are {@link EngineError} values naming the endpoint, the call and why; 404 is its
 *   own reason (a container that is gone is an answer, not a fault).
 */
import { Deferred, Duration, Effect, Result, Schema, type Scope } from "effect"
import * as Http from "node:http"
import { StringDecoder } from "node:string_decoder"
import type { EngineEndpoint } from "../config/DockerEndpoint.ts"
import { isLineTooLong, splitLines } from "./JsonLines.ts"

/** A local Engine answers in milliseconds; a stuck one must not hold a poll or a login for long. */
export const REQUEST_TIMEOUT = Duration.seconds(10)
/** Far above any listing or inspect answer. */
const MAX_BODY = 32 * 1024 * 1024

export const EngineErrorReason = Schema.Literals([
  /** Nothing answers at the endpoint (no socket file, connection refused, reset). */
  "Unreachable",
  "Timeout",
  /** The Engine answered with an unexpected status. */
  "HttpStatus",
  /** 404: no such container (or image). */
  "NotFound",
  /** A 2xx answer that is not the JSON the API documents, or is too large. */
  "InvalidResponse",
  /** The event stream ended (the Engine stopped or restarted). */
  "StreamEnded"
])
export type EngineErrorReason = typeof EngineErrorReason.Type

export class EngineError extends Schema.TaggedError<EngineError>()("EngineError", {
  endpoint: Schema.String,
  /** `GET /containers/json`, without the query. */
  operation: Schema.String,
  reason: EngineErrorReason,
  status: Schema.optionalKey(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return `Docker Engine at ${this.endpoint}: ${this.operation}: ${this.detail}`
  }
}

/** Keeps the time limit of one call. */
export interface CallOptions {
  readonly timeout?: Duration.Duration | undefined
}

export interface EventFeed {
  /** Fails when the stream ends or breaks (it never ends well: the Engine streams until it stops). */
  readonly ended: Effect.Effect<never, EngineError>
}

export interface EngineClient {
  readonly endpoint: EngineEndpoint
  /** GETs and decodes the JSON answer. */
  readonly get: <S extends Schema.Decoder<unknown>>(path: string, schema: S, options?: CallOptions) => Effect.Effect<S["Type"], EngineError>
  /** POSTs without a body; succeeds with the status for a 2xx or 304 ("already started/stopped"). */
  readonly post: (path: string, options?: CallOptions) => Effect.Effect<number, EngineError>
  /**
   * Opens `GET path` as a stream of JSON lines; succeeds once the Engine accepted it (from then
   * on no event is missed) and calls `onEvent` with each line that decodes with `schema` (lines
   * that do not are skipped: the Engine may add kinds of events). Closed with its Scope.
   */
  readonly events: <S extends Schema.Decoder<unknown>>(
    path: string,
    schema: S,
    onEvent: (event: S["Type"]) => void
  ) => Effect.Effect<EventFeed, EngineError, Scope.Scope>
}

const operationOf = (method: string, path: string): string => `${method} ${path.split("?")[0]}`

/** Node's connect errors in words ("connect ENOENT /var/run/docker.sock"). */
const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

export const makeEngineClient = (endpoint: EngineEndpoint): EngineClient => {
  const fail = (operation: string, reason: EngineErrorReason, detail: string, status?: number) =>
    new EngineError({ endpoint: endpoint.text, operation, reason, detail, ...(status === undefined ? {} : { status }) })

  const target = (): Http.RequestOptions =>
    endpoint._tag === "Unix" ? { socketPath: endpoint.path } : { host: endpoint.host, port: endpoint.port }

  /** Sends a request; resumes with the response once its headers arrived. */
  const open = (method: string, path: string, operation: string) =>
    Effect.callback<{ readonly request: Http.ClientRequest; readonly response: Http.IncomingMessage }, EngineError>((resume, signal) => {
      const request = Http.request({ ...target(), method, path, agent: false, headers: { Host: "docker", Accept: "application/json" } })
      request.once("response", (response) => resume(Effect.succeed({ request, response })))
      request.once("error", (cause) => resume(Effect.fail(fail(operation, "Unreachable", describeCause(cause)))))
      signal.addEventListener("abort", () => request.destroy())
      request.end()
    })

  /** Reads a whole body, bounded by MAX_BODY. */
  const readBody = (response: Http.IncomingMessage, operation: string) =>
    Effect.callback<string, EngineError>((resume) => {
      const decoder = new StringDecoder("utf8")
      let text = ""
      let size = 0
      response.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) {
          response.destroy()
          return resume(Effect.fail(fail(operation, "InvalidResponse", `answer larger than ${MAX_BODY} bytes`)))
        }
        text += decoder.write(chunk)
      })
      response.once("end", () => resume(Effect.succeed(text + decoder.end())))
      response.once("error", (cause) => resume(Effect.fail(fail(operation, "Unreachable", describeCause(cause)))))
      // After "end" this is a no-op (resume takes the first call only); before it, the answer was cut.
      response.once("close", () => resume(Effect.fail(fail(operation, "Unreachable", "the connection closed before the answer ended"))))
    })

  /** The body of an answer with an accepted status, or the failure its status means. */
  const call = (method: string, path: string, accept: (status: number) => boolean, options?: CallOptions) => {
    const operation = operationOf(method, path)
    const timeout = options?.timeout ?? REQUEST_TIMEOUT
    return Effect.scoped(Effect.gen(function*() {
      const { request, response } = yield* open(method, path, operation)
      yield* Effect.addFinalizer(() => Effect.sync(() => request.destroy()))
      const body = yield* readBody(response, operation)
      const status = response.statusCode ?? 0
      if (accept(status)) return { status, body }
      // The Engine explains itself in {"message": "..."}.
      const message = Result.getOrElse(Result.try(() => String((JSON.parse(body) as { message?: unknown }).message ?? "")), () => "")
      const detail = `answered ${status}${message === "" ? "" : `: ${message}`}`
      return yield* Effect.fail(fail(operation, status === 404 ? "NotFound" : "HttpStatus", detail, status))
    })).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(fail(operation, "Timeout", `no answer within ${Duration.format(timeout)}`))
      })
    )
  }

  const ok = (status: number) => status >= 200 && status < 300

  return {
    endpoint,
    get: (path, schema, options) =>
      Effect.flatMap(call("GET", path, ok, options), ({ body }) => {
        const decoded = Schema.decodeUnknownResult(Schema.fromJsonString(schema))(body)
        return Result.isSuccess(decoded)
          ? Effect.succeed(decoded.success)
          : Effect.fail(fail(operationOf("GET", path), "InvalidResponse", `unexpected answer: ${decoded.failure.message}`))
      }),
    post: (path, options) => Effect.map(call("POST", path, (s) => ok(s) || s === 304, options), ({ status }) => status),
    events: (path, schema, onEvent) =>
      Effect.gen(function*() {
        const operation = operationOf("GET", path)
        const decode = Schema.decodeUnknownResult(Schema.fromJsonString(schema))
        const { request, response } = yield* Effect.acquireRelease(
          open("GET", path, operation).pipe(
            Effect.timeoutOrElse({
              duration: REQUEST_TIMEOUT,
              orElse: () => Effect.fail(fail(operation, "Timeout", `no answer within ${Duration.format(REQUEST_TIMEOUT)}`))
            })
          ),
          ({ request }) => Effect.sync(() => request.destroy())
        )
        const status = response.statusCode ?? 0
        if (!ok(status)) return yield* Effect.fail(fail(operation, "HttpStatus", `answered ${status}`, status))
        request.socket?.setKeepAlive(true, 30_000)
        const ended = yield* Deferred.make<never, EngineError>()
        const end = (reason: EngineErrorReason, detail: string) => Deferred.doneUnsafe(ended, Effect.fail(fail(operation, reason, detail)))
        const decoder = new StringDecoder("utf8")
        let pending = ""
        // Plain callbacks: one line per event, decoded and handed over synchronously.
        response.on("data", (chunk: Buffer) => {
          const split = splitLines(pending, decoder.write(chunk))
          if (isLineTooLong(split)) {
            response.destroy()
            return end("InvalidResponse", `an event line of ${split.length} characters`)
          }
          pending = split.pending
          for (const line of split.lines) {
            const event = decode(line)
            if (Result.isSuccess(event)) onEvent(event.success)
          }
        })
        response.once("end", () => end("StreamEnded", "the event stream ended"))
        response.once("error", (cause) => end("StreamEnded", `the event stream broke: ${describeCause(cause)}`))
        response.once("close", () => end("StreamEnded", "the event stream was closed"))
        return { ended: Deferred.await(ended) }
      })
  }
}
