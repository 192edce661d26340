/**
 * Making text that came from outside safe to put in a log line (pure).
 *
 * Host names, player names, kick reasons and plugin output are chosen by clients, backends and
 * plugin authors. Written raw into the text log, a newline forges a whole log line, and ESC, BEL
 * or CR rewrite what an operator's terminal shows. {@link untrusted} escapes every control
 * character the way JSON would show it (`\n`, `\x1b`, …) and bounds the length, so one value
 * can neither add a line nor fill the log; {@link escapeControls} is the text logger's own last
 * line of defence for everything else in a message.
 */

/** Default bound for one outside value in a log line (a handshake host may be 255 characters). */
export const MAX_UNTRUSTED_CHARS = 64

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const hex2 = (code: number): string => code.toString(16).padStart(2, "0")

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the bidi
 * overrides and isolates (they reorder what a terminal shows after them).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const escapeOne = (c: string): string => {
  const named = NAMED[c]
  if (named !== undefined) return named
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${hex2(code)}` : `\\u${code.toString(16).padStart(4, "0")}`
}

/**
 * Escapes control characters; with `keepNewlines`, line feeds stay (the text logger indents
 * the lines after the first, so they can never pass for a line of their own).
 */
export const escapeControls = (text: string, keepNewlines = false): string =>
  text.replace(keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, escapeOne)

/**
 * An outside value as it may appear in a log line: backslashes doubled (so an escape sequence
 * the value itself contains cannot be mistaken for one of ours), control characters escaped,
 * and at most `max` characters of the original kept, with `…` when cut.
 */
export const untrusted = (value: string, max: number = MAX_UNTRUSTED_CHARS): string => {
  let cut = value.length > max ? value.slice(0, max) : value
  // Never end on half a surrogate pair.
  if (cut.length < value.length && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1)
  const escaped = escapeControls(cut.replace(/\\/g, "\\\\"))
  return cut.length < value.length ? `${escaped}…` : escaped
}
