/**
 * Reading a file that someone may be in the middle of writing (`infrarust.toml`,
 * `servers/*.toml`, `bans.json`), so a half-written file is never taken for an edit.
 *
 * An editor that saves in place, a deploy tool or an admin's script may write a file in
 * several steps, with gaps between them; a prefix of a TOML or JSON file can even parse (and
 * then says "no [ban] table", "no bans"). So a changed file is read only once it is *stable*:
 * read it, wait `file_settle` (1 s by default), read it again, and accept the content when both
 * reads are identical; otherwise wait and compare again. Content is compared rather than size
 * and mtime: mtime has a coarse resolution on some filesystems, and an in-place rewrite can keep
 * the size. A parse failure of a stable file is read and parsed once more after another settle
 * period (a writer that paused longer than that) before it counts.
 *
 * A file that never stops changing is taken as it is after {@link MAX_SETTLE_ROUNDS} rounds.
 */
import { Duration, Effect, Option, Result } from "effect"

/** `file_settle` when the config does not set it. */
export const DEFAULT_SETTLE = Duration.seconds(1)
/** Rounds of `settle` to wait at most for a file that keeps changing. */
export const MAX_SETTLE_ROUNDS = 30

const sameText = (a: Option.Option<string>, b: Option.Option<string>): boolean =>
  Option.isNone(a) ? Option.isNone(b) : Option.isSome(b) && a.value === b.value

/**
 * The file's content once two reads `settle` apart agree (None: the file is missing). `first`
 * is a read already made, to compare the next one with.
 */
export const settledText = <E, R>(
  read: Effect.Effect<Option.Option<string>, E, R>,
  settle: Duration.Duration,
  first?: Option.Option<string>
): Effect.Effect<Option.Option<string>, E, R> =>
  Effect.gen(function*() {
    let previous = first ?? (yield* read)
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      yield* Effect.sleep(settle)
      const next = yield* read
      if (sameText(previous, next)) return next
      previous = next
    }
    return previous
  })

export interface Settled<A, F> {
  readonly text: string
  readonly parsed: Result.Result<A, F>
}

/**
 * A settled read, parsed; a parse failure is retried once, after another settled read. None
 * when the file is missing.
 */
export const settledParse = <A, F, E, R>(
  read: Effect.Effect<Option.Option<string>, E, R>,
  parse: (text: string) => Result.Result<A, F>,
  settle: Duration.Duration,
  first?: Option.Option<string>
): Effect.Effect<Option.Option<Settled<A, F>>, E, R> =>
  Effect.gen(function*() {
    const text = yield* settledText(read, settle, first)
    if (Option.isNone(text)) return Option.none()
    const parsed = parse(text.value)
    if (Result.isSuccess(parsed)) return Option.some({ text: text.value, parsed })
    const again = yield* settledText(read, settle, text)
    if (Option.isNone(again)) return Option.none()
    return Option.some({ text: again.value, parsed: again.value === text.value ? parsed : parse(again.value) })
  })
