/**
 * The {@link Guard} in front of every admin endpoint but `/health`:
 *
 * 1. the client's rate limit (ClientRateLimit.ts), counted before the key is checked so that
 *    guessing keys is limited too; 429 with `Retry-After`;
 * 2. the API key: `Authorization: Bearer <key>`, compared in constant time (SHA-256 of both
 *    sides, then `timingSafeEqual`, so neither the key's length nor its prefix leaks); the two
 *    event streams also take `?token=<key>` (EventSource cannot send headers);
 * 3. the `x-ratelimit-*` headers on every answer; inside it, {@link renderLayer} turns every
 *    error of the endpoint into Infrarust's envelope, including a body or parameter that does
 *    not decode (a 400 naming the field).
 *
 * The key is never logged: failures say which rule failed, not what was sent.
 */
import { Clock, Effect, Layer, SchemaIssue, SubscriptionRef } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpApiGroup } from "effect/http-api"
import { HttpApiError } from "effect/http-api"
import { createHash, timingSafeEqual } from "node:crypto"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { Guard, Render } from "./AdminApi.ts"
import { BadRequest, Conflict, envelope, Forbidden, NotFound, RATE_LIMITED_MESSAGE, RateLimited, Unauthorized, Unavailable } from "./ApiErrors.ts"
import { makeClientRateLimit, type RateDecision } from "./ClientRateLimit.ts"

const ERROR_CLASSES = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, RateLimited, Unavailable] as const

const STATUS: ReadonlyMap<Function, number> = new Map<Function, number>([
  [BadRequest, 400],
  [Unauthorized, 401],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [RateLimited, 429],
  [Unavailable, 503]
])

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/** Constant-time equality of a presented key and the real one. */
export const sameKey = (presented: string, key: string): boolean => timingSafeEqual(digest(presented), digest(key))

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const SLOT: Record<string, string> = {
  Payload: "request body",
  Query: "query parameter",
  Params: "path parameter",
  Headers: "header"
}

/** `invalid request body: target.type: Expected "ip" | "cidr" | …` — the field first. */
export const describeSchemaError = (error: HttpApiError.HttpApiSchemaError): string => {
  const issues = formatIssues(error.cause.issue).issues
  const slot = SLOT[error.kind] ?? error.kind
  const parts = issues.slice(0, 3).map((i) => {
    const path = (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".")
    return path === "" ? i.message : `${path}: ${i.message}`
  })
  return `invalid ${slot}: ${parts.join("; ") || error.message}`
}

const rateHeaders = (d: RateDecision): Record<string, string> => ({
  "x-ratelimit-limit": String(d.limit),
  "x-ratelimit-remaining": String(d.remaining),
  "x-ratelimit-reset": String(d.resetSeconds)
})

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

type Check = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 401; readonly message: string }

/** The key from the request: the header, or `?token=` on the event streams. */
const checkKey = (request: HttpServerRequest.HttpServerRequest, group: HttpApiGroup.Top, key: string): Check => {
  let header = request.headers["authorization"]
  if (header === undefined && group.identifier === "streams") {
    const token = new URL(request.url, "http://admin").searchParams.get("token")
    if (token !== null) header = `Bearer ${token}`
  }
  if (header === undefined || header === "") return { ok: false, status: 401, message: "missing Authorization header" }
  if (!/^[\x20-\x7e]*$/.test(header)) return { ok: false, status: 400, message: "authorization header must be ASCII" }
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (match === null) return { ok: false, status: 401, message: "authorization header must use Bearer scheme" }
  return sameKey(match[1]!.trim(), key) ? { ok: true } : { ok: false, status: 401, message: "invalid API key" }
}

/** Every failure of an endpoint as its envelope and status; anything else goes on (a defect). */
export const renderLayer = Layer.succeed(
  Render,
  Render.of((httpEffect) =>
    Effect.catch(httpEffect, (error) => {
      if (HttpApiError.HttpApiSchemaError.is(error) && error.kind !== "Body" && error.kind !== "ResponseHeaders") {
        return Effect.succeed(json(400, envelope("BAD_REQUEST", describeSchemaError(error)), {}))
      }
      const cls = ERROR_CLASSES.find((c) => error instanceof c)
      return cls === undefined
        ? Effect.fail(error)
        : Effect.succeed(json(STATUS.get(cls)!, { error: (error as unknown as { readonly error: unknown }).error }, {}))
    }))
)

/** The Guard's implementation for an API key. */
export const guardLayer = (apiKey: string) =>
  Layer.effect(
    Guard,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const limiter = makeClientRateLimit()
      return Guard.of({
        bearer: (httpEffect, { group }) =>
          Effect.gen(function*() {
            const request = yield* HttpServerRequest.HttpServerRequest
            const config = yield* SubscriptionRef.get(store.config)
            const limit = Math.max(1, config.web?.rateLimit.requestsPerMinute ?? 60)
            const client = request.peerAddress._tag === "Some" ? request.peerAddress.value : "unknown"
            const decision = limiter.take(client, limit, yield* Clock.currentTimeMillis)
            const headers = rateHeaders(decision)
            if (!decision.allowed) {
              return json(429, envelope("RATE_LIMITED", RATE_LIMITED_MESSAGE), { ...headers, "retry-after": String(decision.resetSeconds) })
            }
            const auth = checkKey(request, group, apiKey)
            if (!auth.ok) return json(auth.status, envelope(auth.status === 400 ? "BAD_REQUEST" : "UNAUTHORIZED", auth.message), headers)
            const response = yield* httpEffect
            return HttpServerResponse.setHeaders(response, headers)
          })
      })
    })
  )
