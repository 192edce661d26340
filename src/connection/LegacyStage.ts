/**
 * A pre-1.7 server-list ping (Beta 1.8, 1.4/1.5, 1.6), answered with the legacy kick packet
 * from the status cache or the MOTD config. Legacy pings take from the status bucket too: a
 * legacy ping flood must not reach the backends either (Infrarust does not limit them). Beta and
 * 1.4 pings name no host, so they are unknown domains.
 */
import { Effect, Option } from "effect"
import { settleOutcome } from "../observability/ConnectionReport.ts"
import { admitRate } from "../security/Admission.ts"
import { sendAndClose } from "../socket/Kick.ts"
import { type LegacyContext, StatusService } from "../status/StatusService.ts"
import { shorten } from "./StatusStage.ts"

export const answerLegacyPing = Effect.fnUntraced(function*(ctx: LegacyContext, socket: import("node:net").Socket) {
  yield* settleOutcome("legacy_ping")
  const limited = yield* admitRate("status", ctx.client.address)
  const request = ctx.opening.request
  const what = `legacy ${request._tag} ping${request._tag === "V1_6" ? ` for '${shorten(ctx.host)}'` : ""}`
  if (ctx.route === undefined && ctx.config.unknownDomainBehavior === "drop") return yield* Effect.logDebug(`${what}: unknown domain, dropped`)
  const status = yield* StatusService
  if (limited !== undefined) {
    // Rate limited: answer only from the status cache or the MOTD config, else close.
    const cheap = yield* status.respondLegacyWithoutBackend(ctx)
    yield* Effect.logWithLevel(limited.level)(`legacy ${limited.reason}: ${Option.isSome(cheap) ? "answered without the backend" : "closed"}`)
    return Option.isSome(cheap) ? yield* sendAndClose(socket, cheap.value) : undefined
  }
  const reply = yield* status.respondLegacy(ctx)
  yield* Effect.logDebug(`${what} answered`)
  return yield* sendAndClose(socket, reply)
})
