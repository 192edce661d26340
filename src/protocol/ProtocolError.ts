/**
 * The one error the pure codecs (Minecraft protocol and PROXY protocol) return.
 *
 * "Not enough bytes yet" is never an error: it is the `NeedMore` value of {@link Decode}.
 * A `ProtocolError` means the bytes can never become valid, so the connection is closed.
 */
import { Schema } from "effect"

export const ProtocolErrorReason = Schema.Literals([
  /** The bytes do not follow the wire format (bad VarInt, wrong packet id, bad UTF-8, ...). */
  "Malformed",
  /** A length is over a protocol or configured limit (frame, string, header): possibly an attack. */
  "TooLarge",
  /** A well-formed value that this proxy does not accept (unknown next-state, PROXY family, ...). */
  "Unsupported"
])
export type ProtocolErrorReason = typeof ProtocolErrorReason.Type

export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  reason: ProtocolErrorReason,
  /** What was being decoded, e.g. "handshake.server_address" or "proxy.v2.family". */
  field: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.field}: ${this.detail}`
  }
}

export const malformed = (field: string, detail: string): ProtocolError =>
  new ProtocolError({ reason: "Malformed", field, detail })

export const tooLarge = (field: string, detail: string): ProtocolError =>
  new ProtocolError({ reason: "TooLarge", field, detail })

export const unsupported = (field: string, detail: string): ProtocolError =>
  new ProtocolError({ reason: "Unsupported", field, detail })

/** True for a {@link ProtocolError}; lets encoders return `Uint8Array | ProtocolError`. */
export const isProtocolError = (u: unknown): u is ProtocolError => u instanceof ProtocolError
