/**
 * Splits the Engine's event stream into lines. `GET /events` answers with a chunked body that
 * never ends: one JSON object per line, chunks cut anywhere (mid-line, mid-character: text is
 * decoded in streaming mode before it gets here).
 *
 * Pure and bounded: a line longer than {@link MAX_LINE} is an error value (a broken or hostile
 * endpoint cannot make the proxy buffer without limit); nothing is thrown. Blank lines and a
 * trailing `\r` are dropped.
 */

/** Far above any real event (a few hundred bytes plus labels). */
export const MAX_LINE = 1 << 20

export interface Split {
  /** Complete lines, in order, without their terminator. */
  readonly lines: ReadonlyArray<string>
  /** The start of a line not terminated yet; give it back with the next chunk. */
  readonly pending: string
}

export interface LineTooLong {
  readonly _tag: "LineTooLong"
  readonly length: number
}

/** `pending` + `chunk`, cut at each `\n`. */
export const splitLines = (pending: string, chunk: string): Split | LineTooLong => {
  const text = pending + chunk
  const lines: Array<string> = []
  let start = 0
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
    if (end - start > MAX_LINE) return { _tag: "LineTooLong", length: end - start }
    const line = text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end)
    if (line.trim().length > 0) lines.push(line)
    start = end + 1
  }
  const rest = text.slice(start)
  if (rest.length > MAX_LINE) return { _tag: "LineTooLong", length: rest.length }
  return { lines, pending: rest }
}

export const isLineTooLong = (s: Split | LineTooLong): s is LineTooLong => "_tag" in s
