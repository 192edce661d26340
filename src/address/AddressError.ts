/**
 * The error returned when text that should be an IP address or a CIDR block is not one.
 *
 * It is a value (inside a `Result`), never thrown: configuration loading turns it into a
 * config error naming the offending entry, and the PROXY protocol decoder turns it into a
 * {@link ProtocolError}. `message` is written to be shown to an operator as is.
 */
import { Schema } from "effect"

/** Long inputs are cut in messages so one bad config line cannot flood a log. */
const MAX_INPUT_IN_MESSAGE = 64

export class AddressError extends Schema.TaggedError<AddressError>()("AddressError", {
  /** The text that was rejected, exactly as given. */
  input: Schema.String,
  /** Why it was rejected, e.g. "IPv4 prefix length must be 0-32, got 33". */
  detail: Schema.String
}) {
  override get message(): string {
    const shown = this.input.length > MAX_INPUT_IN_MESSAGE
      ? `${this.input.slice(0, MAX_INPUT_IN_MESSAGE)}...`
      : this.input
    return `${JSON.stringify(shown)}: ${this.detail}`
  }
}
