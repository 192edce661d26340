/**
 * Mojang's session server, from the server side: `hasJoined` asks whether the player who
 * answered our Encryption Request really joined with that server hash, and returns their profile.
 *
 * Invariant: `hasJoined` never fails and never hangs. Every answer is one of three tagged values:
 * `Joined` (200 with a usable profile), `NotJoined` (204, or any other status below 500: the
 * client did not call `join`, or Mojang refused it), or `Unavailable` (no connection, the
 * `[auth] timeout` elapsed, 5xx, or a body that is not a profile), each with a text a player can
 * read (vanilla's own messages) and a detail for the log. The body is read up to
 * {@link MAX_PROFILE_RESPONSE_BYTES}, so a broken session server cannot make us buffer without end.
 * Source: https://minecraft.wiki/w/Mojang_API#Verify_login_session_on_server
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Data, Effect, Layer, Schema, Stream, SubscriptionRef } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientResponse } from "effect/http/HttpClientResponse"
import type { AuthConfig } from "../config/GlobalTables.ts"
import { formatHumanDuration } from "../config/HumanDuration.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { traced } from "../observability/Tracing.ts"
import type { GameProfile } from "../protocol/GameProfile.ts"
import { canonicalUuid } from "../protocol/Uuid.ts"

/** Vanilla's `multiplayer.disconnect.unverified_username`. */
export const NOT_JOINED_MESSAGE = "Failed to verify username!"
/** Vanilla's `multiplayer.disconnect.authservers_down`. */
export const UNAVAILABLE_MESSAGE = "Authentication servers are down. Please try again later, sorry!"

/**
 * A profile with textures is about 1.5 KB; Mojang caps a profile at a handful of properties.
 * 64 KiB is far above any real answer and far below anything that could hurt.
 */
export const MAX_PROFILE_RESPONSE_BYTES = 64 * 1024

export const HAS_JOINED_PATH = "/session/minecraft/hasJoined"

export type HasJoined = Data.TaggedEnum<{
  /** The player is who they say: their Mojang profile (UUID canonical, properties as sent). */
  Joined: { readonly profile: GameProfile }
  /** The session server does not know this join (the HTTP status it answered). */
  NotJoined: { readonly status: number; readonly reason: string }
  /** No usable answer; `reason` is for the player, `detail` for the log. */
  Unavailable: { readonly reason: string; readonly detail: string }
}>
export const HasJoined = Data.taggedEnum<HasJoined>()

export interface SessionServerShape {
  /**
   * Asks the session server about `username`'s join with `serverHash`. `ip` (the player's
   * address) is sent only when `[auth] prevent_proxy_connections` is on.
   */
  readonly hasJoined: (username: string, serverHash: string, ip?: string) => Effect.Effect<HasJoined>
}

const ProfileJson = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  properties: Schema.optionalKey(Schema.Array(Schema.Struct({
    name: Schema.String,
    value: Schema.String,
    signature: Schema.optionalKey(Schema.String)
  })))
})
const decodeProfile = Schema.decodeUnknownEffect(Schema.fromJsonString(ProfileJson))

class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly bytes: number }> {}

const unavailable = (detail: string): HasJoined => HasJoined.Unavailable({ reason: UNAVAILABLE_MESSAGE, detail })

/** An HTTP client error with its underlying cause ("connect ECONNREFUSED 127.0.0.1:8652"). */
const describeFailure = (error: { readonly message: string; readonly cause?: unknown }): string =>
  error.cause instanceof Error && error.cause.message !== "" ? `${error.message}: ${error.cause.message}` : error.message

/** The body as text, refusing (without reading on) anything over the bound. */
const boundedText = (response: HttpClientResponse) => {
  const declared = Number(response.headers["content-length"] ?? "0")
  if (declared > MAX_PROFILE_RESPONSE_BYTES) return Effect.fail(new BodyTooLarge({ bytes: declared }))
  return Stream.runFoldEffect(response.stream, () => ({ parts: [] as Array<Uint8Array>, size: 0 }), (acc, chunk) => {
    const size = acc.size + chunk.length
    if (size > MAX_PROFILE_RESPONSE_BYTES) return Effect.fail(new BodyTooLarge({ bytes: size }))
    acc.parts.push(chunk)
    return Effect.succeed({ parts: acc.parts, size })
  }).pipe(Effect.map(({ parts }) => Buffer.concat(parts).toString("utf8")))
}

/** A 200 body turned into a profile, or Unavailable naming what is wrong with it. */
const readProfile = (response: HttpClientResponse) =>
  boundedText(response).pipe(
    Effect.flatMap((text) => decodeProfile(text)),
    Effect.map((json): HasJoined => {
      const id = canonicalUuid(json.id)
      if (id === undefined) return unavailable(`the profile id ${JSON.stringify(json.id)} is not a UUID`)
      const properties = (json.properties ?? []).map(({ name, signature, value }) =>
        signature === undefined ? { name, value } : { name, value, signature }
      )
      return HasJoined.Joined({ profile: { id, name: json.name, properties } })
    }),
    Effect.catchTag("BodyTooLarge", (e) => Effect.succeed(unavailable(`the answer is larger than ${MAX_PROFILE_RESPONSE_BYTES} bytes (${e.bytes})`))),
    Effect.catchTag("SchemaError", (e) => Effect.succeed(unavailable(`the answer is not a profile: ${e.message}`)))
  )

/** `base` + the hasJoined path, keeping any path prefix the configured URL has. */
export const hasJoinedUrl = (base: string): string => `${base.replace(/\/+$/, "")}${HAS_JOINED_PATH}`

const make = (settings: Effect.Effect<AuthConfig>) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const hasJoined = Effect.fnUntraced(function*(username: string, serverHash: string, ip?: string) {
      const auth = yield* settings
      const request = HttpClientRequest.get(hasJoinedUrl(auth.sessionServer), {
        urlParams: {
          username,
          serverId: serverHash,
          ...(auth.preventProxyConnections && ip !== undefined ? { ip } : {})
        },
        acceptJson: true
      })
      const answer = client.execute(request).pipe(
        Effect.flatMap((response): Effect.Effect<HasJoined, never> =>
          response.status === 200
            ? readProfile(response).pipe(Effect.catch((e) => Effect.succeed(unavailable(`reading the answer failed: ${describeFailure(e)}`))))
            // Other answers are drained (bounded) so their keep-alive connection can be reused.
            : Effect.as(
              Effect.ignore(boundedText(response)),
              response.status >= 500
                ? unavailable(`HTTP ${response.status}`)
                : HasJoined.NotJoined({ status: response.status, reason: NOT_JOINED_MESSAGE })
            )
        ),
        Effect.catch((e) => Effect.succeed(unavailable(describeFailure(e))))
      )
      return yield* answer.pipe(
        Effect.timeoutOrElse({
          duration: auth.timeout,
          orElse: () => Effect.succeed(unavailable(`no answer within ${formatHumanDuration(auth.timeout)}`))
        })
      )
    }, traced("auth.has_joined"))
    return SessionServer.of({ hasJoined })
  })

/**
 * Connections to the session server are kept and reused (Node's `Agent` closes each one after its
 * request unless told otherwise): against sessionserver.mojang.com that saves a TCP and TLS
 * handshake per login.
 */
const http = NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })

export class SessionServer extends Context.Service<SessionServer, SessionServerShape>()("infrarust/auth/SessionServer") {
  /** Reads `[auth]` from the live configuration at each call, so an edit applies to the next login. */
  static readonly layer = Layer.effect(
    SessionServer,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      return yield* make(Effect.map(SubscriptionRef.get(store.config), (config) => config.auth))
    })
  ).pipe(Layer.provide(http))

  /** With settings from elsewhere (tests, or a caller that owns the config). */
  static readonly layerWith = (settings: Effect.Effect<AuthConfig>) =>
    Layer.effect(SessionServer, make(settings)).pipe(Layer.provide(http))
}
