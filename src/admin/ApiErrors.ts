/**
 * The admin API's error envelope, exactly as Infrarust documents it:
 * `{"error":{"code":"NOT_FOUND","message":"Player 'x' not found"}}`, one class per status so the
 * HttpApi definition (and so the OpenAPI document) says which endpoint answers which status.
 *
 * They are Schema classes, not tagged errors: the body is the envelope and nothing else (no
 * `_tag`), and each class encodes only its own instances, so a union of them keeps the status.
 */
import { Schema } from "effect"

export const ErrorCode = Schema.Literals([
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_ERROR"
])
export type ErrorCode = typeof ErrorCode.Type

const ErrorBody = Schema.Struct({ code: ErrorCode, message: Schema.String })

export class BadRequest extends Schema.Class<BadRequest>("BadRequest")({ error: ErrorBody }, { httpApiStatus: 400 }) {}
export class Unauthorized extends Schema.Class<Unauthorized>("Unauthorized")({ error: ErrorBody }, { httpApiStatus: 401 }) {}
export class Forbidden extends Schema.Class<Forbidden>("Forbidden")({ error: ErrorBody }, { httpApiStatus: 403 }) {}
export class NotFound extends Schema.Class<NotFound>("NotFound")({ error: ErrorBody }, { httpApiStatus: 404 }) {}
export class Conflict extends Schema.Class<Conflict>("Conflict")({ error: ErrorBody }, { httpApiStatus: 409 }) {}
export class RateLimited extends Schema.Class<RateLimited>("RateLimited")({ error: ErrorBody }, { httpApiStatus: 429 }) {}
export class Unavailable extends Schema.Class<Unavailable>("Unavailable")({ error: ErrorBody }, { httpApiStatus: 503 }) {}

export type ApiError = BadRequest | Unauthorized | Forbidden | NotFound | Conflict | RateLimited | Unavailable

export const badRequest = (message: string) => new BadRequest({ error: { code: "BAD_REQUEST", message } })
export const unauthorized = (message: string) => new Unauthorized({ error: { code: "UNAUTHORIZED", message } })
export const forbidden = (message: string) => new Forbidden({ error: { code: "FORBIDDEN", message } })
export const notFound = (message: string) => new NotFound({ error: { code: "NOT_FOUND", message } })
export const conflict = (message: string) => new Conflict({ error: { code: "CONFLICT", message } })
export const unavailable = (message: string) => new Unavailable({ error: { code: "SERVICE_UNAVAILABLE", message } })

export const RATE_LIMITED_MESSAGE = "Too many requests. Please try again later."

/** The envelope as plain JSON, for responses built outside an endpoint (middleware, unknown routes). */
export const envelope = (code: ErrorCode, message: string) => ({ error: { code, message } })
