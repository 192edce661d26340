/**
 * Why a zero_copy relay could not start. It is a value, never thrown: the caller falls back to
 * the userspace relay (warning once for `Unavailable`) and keeps the connection.
 */
import { Schema } from "effect"

export const SpliceStartErrorReason = Schema.Literals([
  /** The addon is not loaded: not Linux, not built (see src/native/build.log), or broken. */
  "Unavailable",
  /** A socket cannot be handed over: destroyed, still connecting, ended, corked, or read by listeners. */
  "BadSocket",
  /** The kernel refused a resource while setting up (dup, pipe2, F_SETPIPE_SZ, thread): e.g. EMFILE. */
  "Native"
])
export type SpliceStartErrorReason = typeof SpliceStartErrorReason.Type

export class SpliceStartError extends Schema.TaggedError<SpliceStartError>()("SpliceStartError", {
  reason: SpliceStartErrorReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `zero_copy ${this.reason}: ${this.detail}`
  }
}
