/**
 * Test helpers for the config services: a bounded wait on a SubscriptionRef (tests wait for
 * the published value instead of sleeping), a polled condition, and result helpers. The
 * logger that records lines is support/LogCapture.ts.
 */
import { Duration, Effect, Option, Result, Schedule, Stream, SubscriptionRef } from "effect"
import { formatHumanDuration } from "../../src/config/HumanDuration.ts"

/** The first value of `ref` (current one included) that satisfies `predicate`; fails after `timeout`. */
export const waitFor = <A>(
  ref: SubscriptionRef.SubscriptionRef<A>,
  predicate: (a: A) => boolean,
  timeout: Duration.Input = "10 seconds"
): Effect.Effect<A, Error> =>
  SubscriptionRef.changes(ref).pipe(
    Stream.filter(predicate),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new Error("the value stream ended")),
      onSome: Effect.succeed
    })),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(new Error(`no matching value in time`))
    })
  )

/** Polls `check` (e.g. "a WARN line was logged") until it holds; fails after `timeout`. */
export const eventually = (check: () => boolean, timeout: Duration.Input = "10 seconds"): Effect.Effect<void, Error> =>
  Effect.suspend(() => (check() ? Effect.void : Effect.fail(new Error("not yet")))).pipe(
    Effect.retry({ schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new Error(`condition not met in time`)) })
  )

/** A decoded config with every Duration shown in humantime form ("5s"), for readable deep-equals. */
export const plain = (value: unknown): unknown => {
  if (Duration.isDuration(value)) return formatHumanDuration(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}

/** The success of a parse, or a test failure showing the config error. */
export const expectOk = <A>(result: Result.Result<A, { readonly message: string }>): A => {
  if (Result.isFailure(result)) throw new Error(`expected a valid config, got:\n${result.failure.message}`)
  return result.success
}

/** The error of a parse, or a test failure. */
export const expectError = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) throw new Error("expected a config error, but the config was accepted")
  return result.failure
}
