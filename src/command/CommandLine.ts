/**
 * Splitting a command line (what the player typed after the slash) for running and for
 * completing. Words are separated by spaces; a greedy argument (a kick reason, a broadcast) is
 * the rest of the line as typed. Pure functions.
 */

export interface CommandLine {
  /** The command's name as typed, in lower case. */
  readonly label: string
  /** The words after the name. */
  readonly args: ReadonlyArray<string>
}

const WORD = /\S+/g

/** The name and words of `line`; `undefined` for an empty line. */
export const parseLine = (line: string): CommandLine | undefined => {
  const words = line.match(WORD) ?? []
  const [label, ...args] = words
  return label === undefined ? undefined : { label: label.toLowerCase(), args }
}

/** The text of `line` from its `n`-th word on (0 = the name), spacing kept; "" past the end. */
export const restFrom = (line: string, n: number): string => {
  let seen = 0
  for (const match of line.matchAll(WORD)) {
    if (seen++ === n) return line.slice(match.index).trimEnd()
  }
  return ""
}

export interface PartialLine {
  /** Every word before the one being typed (the name first, in lower case). */
  readonly words: ReadonlyArray<string>
  /** The word being typed (possibly empty) and where it starts in the line. */
  readonly partial: string
  readonly start: number
}

/** `line` cut at its last space: what is being completed. `undefined` while the name itself is typed. */
export const partialLine = (line: string): PartialLine | undefined => {
  const cut = line.lastIndexOf(" ")
  if (cut < 0) return undefined
  const words = line.slice(0, cut).match(WORD) ?? []
  if (words.length === 0) return undefined
  return { words: [words[0]!.toLowerCase(), ...words.slice(1)], partial: line.slice(cut + 1), start: cut + 1 }
}

/** The candidates that start with `prefix` (any case), once each, sorted. */
export const matching = (candidates: Iterable<string>, prefix: string): ReadonlyArray<string> => {
  const lower = prefix.toLowerCase()
  return [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(lower)).sort((a, b) => a.localeCompare(b))
}
