/**
 * Tab completion (Play), the player's request and the answer, in both of their eras:
 *
 * - before 1.13: the request is the chat line up to the cursor (`text`, then fields the proxy
 *   does not read: 1.9+ `assumeCommand`, 1.8+ an optional looked-at block); the answer is a list
 *   of strings, each replacing the last word of the line (the first word keeps its slash);
 * - 1.13+: the request is `transactionId` + `text` (the command up to the cursor, slash
 *   included); the answer repeats the id and says which span of `text` the matches replace
 *   (`start`, `length`), then each match with an optional tooltip (JSON text until 1.20.2, NBT
 *   from 1.20.3; the proxy sends none).
 *
 * Layouts: minecraft-data's `tab_complete` per version; https://minecraft.wiki/w/Java_Edition_protocol.
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { PacketReader } from "./PacketReader.ts"
import type { ProtocolError } from "./ProtocolError.ts"
import { PROTOCOL_1_13 } from "./ProtocolVersion.ts"
import { MAX_STRING_CHARS } from "./Utf8.ts"

export interface TabRequest {
  /** 1.13+: the id the answer must repeat. */
  readonly transactionId: number | undefined
  /** The line up to the cursor, slash included. */
  readonly text: string
}

export interface TabAnswer {
  readonly transactionId: number | undefined
  /** 1.13+: where in the request's text the replaced span starts, and its length (UTF-16 units). */
  readonly start: number
  readonly length: number
  readonly matches: ReadonlyArray<string>
}

export const decodeTabRequest = (protocol: number, payload: Uint8Array): TabRequest | ProtocolError => {
  const r = new PacketReader(payload, "tab_complete")
  const transactionId = protocol >= PROTOCOL_1_13 ? r.varInt("transaction_id") : undefined
  const text = r.string(MAX_STRING_CHARS, "text")
  // Pre-1.13 fields after the text are of no use to the proxy.
  return r.finish(protocol < PROTOCOL_1_13) ?? { transactionId, text }
}

export const encodeTabAnswer = (protocol: number, answer: TabAnswer): Encoded => {
  const w = new ByteWriter()
  if (protocol >= PROTOCOL_1_13) w.varInt(answer.transactionId ?? 0).varInt(answer.start).varInt(answer.length)
  w.varInt(answer.matches.length)
  for (const match of answer.matches) {
    w.string(match, MAX_STRING_CHARS, "tab_complete.match")
    if (protocol >= PROTOCOL_1_13) w.bool(false)
  }
  return w.finish()
}
