/**
 * HTTP to a game panel (Pterodactyl, Crafty Controller) for the server manager: bearer key,
 * `Accept: application/json`, one time limit per call (connect, answer and body together), and
 * failures turned into {@link ProviderError}s the state machine can live with.
 *
 * Trust: the API key is sent in the Authorization header and appears nowhere else. Error
 * details are built here from the method, the path, the status code and the transport error's
 * description, and any accidental occurrence of the key in them is replaced before they leave
 * this module.
 */
import { Duration, Effect, Result, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ProviderError, type ProviderErrorReason } from "./ServerProvider.ts"

/** Infrarust's panel timeout (`sm/http.rs` HTTP_TIMEOUT). */
export const PANEL_HTTP_TIMEOUT = Duration.seconds(10)

export interface PanelTarget {
  readonly server: string
  readonly provider: "pterodactyl" | "crafty"
  /** The panel's base URL as configured; trailing slashes are ignored. */
  readonly apiUrl: string
  readonly apiKey: string
}

type Operation = ProviderError["operation"]

export interface PanelClient {
  /** POSTs (with a JSON body if given) and ignores the answer's body. */
  readonly post: (operation: Operation, path: string, body?: unknown) => Effect.Effect<void, ProviderError>
  /** GETs and decodes the JSON answer with `schema`. */
  readonly get: <S extends Schema.Decoder<unknown>>(operation: Operation, path: string, schema: S) => Effect.Effect<S["Type"], ProviderError>
}

const UNAUTHORIZED = new Set([401, 403])

/** The transport failure in words: its description, else its cause's message (e.g. "connect ECONNREFUSED ..."). */
const transportText = (reason: { readonly description?: string | undefined; readonly cause?: unknown }): string =>
  reason.description ?? (reason.cause instanceof Error ? reason.cause.message : "no detail")

export const makePanelClient = Effect.fnUntraced(function*(target: PanelTarget) {
  const client = yield* HttpClient.HttpClient
  const base = target.apiUrl.replace(/\/+$/, "")
  const redact = (text: string) => (target.apiKey.length > 0 ? text.split(target.apiKey).join("<api key>") : text)
  const fail = (operation: Operation, reason: ProviderErrorReason, detail: string) =>
    new ProviderError({ server: target.server, provider: target.provider, operation, reason, detail: redact(detail) })

  /** Sends the request and returns the body text of a 2xx answer. */
  const call = (operation: Operation, request: HttpClientRequest.HttpClientRequest, what: string) =>
    client.execute(request.pipe(HttpClientRequest.bearerToken(target.apiKey), HttpClientRequest.acceptJson)).pipe(
      Effect.flatMap((response) =>
        Effect.flatMap(response.text, (text) => {
          if (response.status >= 200 && response.status < 300) return Effect.succeed(text)
          const reason = UNAUTHORIZED.has(response.status) ? "Unauthorized" : "HttpStatus"
          const hint = reason === "Unauthorized" ? " (check api_key)" : ""
          return Effect.fail(fail(operation, reason, `${what} answered ${response.status}${hint}`))
        })
      ),
      Effect.catchTag("HttpClientError", (error) =>
        Effect.fail(fail(operation, "Transport", `${what}: ${error.reason._tag}: ${transportText(error.reason)}`))),
      Effect.timeoutOrElse({
        duration: PANEL_HTTP_TIMEOUT,
        orElse: () => Effect.fail(fail(operation, "Timeout", `${what}: no answer within ${Duration.format(PANEL_HTTP_TIMEOUT)}`))
      })
    )

  const panel: PanelClient = {
    post: (operation, path, body) => {
      const request = HttpClientRequest.post(base + path)
      return call(operation, body === undefined ? request : HttpClientRequest.bodyJsonUnsafe(request, body), `POST ${path}`).pipe(
        Effect.asVoid
      )
    },
    get: (operation, path, schema) =>
      call(operation, HttpClientRequest.get(base + path), `GET ${path}`).pipe(
        Effect.flatMap((text) => {
          const decoded = Schema.decodeUnknownResult(Schema.fromJsonString(schema))(text)
          return Result.isSuccess(decoded)
            ? Effect.succeed(decoded.success)
            : Effect.fail(fail(operation, "InvalidResponse", `GET ${path}: unexpected answer: ${decoded.failure.message}`))
        })
      )
  }
  return panel
})
