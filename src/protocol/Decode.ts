/**
 * The result of every pure decoder: a value and the offset just past it, a request for
 * more bytes, or a {@link ProtocolError}. Decoders never throw and never read past the
 * end of their input, so any prefix of a valid stream yields `NeedMore`.
 */
import type { ProtocolError } from "./ProtocolError.ts"

export interface Done<A> {
  readonly _tag: "Done"
  readonly value: A
  /** Offset of the first byte after the decoded value. */
  readonly offset: number
}

export interface NeedMore {
  readonly _tag: "NeedMore"
}

export type Decode<A> = Done<A> | NeedMore | ProtocolError

export const done = <A>(value: A, offset: number): Done<A> => ({ _tag: "Done", value, offset })

/** Shared instance: "need more" carries no data, so there is no reason to allocate one per call. */
export const needMore: NeedMore = { _tag: "NeedMore" }
