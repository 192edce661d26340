/**
 * Bounded polling for tests that wait for something another process or fiber does (a log
 * line, a reload, a restart), instead of sleeping a fixed time.
 */
import { Effect } from "effect"

/** Polls `check` every 20 ms until it holds; dies with "timed out waiting for <what>" after `timeoutMs`. */
export const waitUntil = (check: () => boolean, what: string, timeoutMs = 5000): Effect.Effect<void> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() >= deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("20 millis")
    }
  })

/** Polls `check` every 50 ms until it holds (true) or `timeoutMs` passes (false), for tests that assert on the outcome. */
export const eventually = async (check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 50))
  }
}
