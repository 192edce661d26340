/**
 * Sizes written for people: `"64MiB"`, `"512 KiB"`, `"1GiB"`, `"64MB"` or a whole number of
 * bytes, decoded to a number of bytes. Both binary (KiB, MiB, GiB) and decimal (KB, MB, GB)
 * units are accepted, with or without a space; `B` alone means bytes. (infrarust-ts: Infrarust
 * has no size keys.)
 */
import { Result, Schema } from "effect"
import { parsedString } from "./TomlSchema.ts"

const UNITS: ReadonlyMap<string, number> = new Map([
  ["b", 1],
  ["kb", 1e3],
  ["mb", 1e6],
  ["gb", 1e9],
  ["kib", 1024],
  ["mib", 1024 ** 2],
  ["gib", 1024 ** 3]
])

export const parseByteSize = (text: string): Result.Result<number, string> => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text)
  if (m === null) return Result.fail(`a number and a unit are needed, for example "64MiB"`)
  const unit = UNITS.get((m[2] === "" ? "b" : m[2]!).toLowerCase())
  if (unit === undefined) return Result.fail(`unknown unit "${m[2]}"; units are B, KiB, MiB, GiB, KB, MB and GB`)
  const bytes = Math.floor(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? Result.succeed(bytes) : Result.fail("the size is too large")
}

export const formatByteSize = (bytes: number): string => {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes}B`
}

export const byteSizeExpected = `a size like "64MiB" or "512KiB"`

/** A TOML string holding a size, decoded to bytes. */
export const ByteSize = parsedString(Schema.Number, byteSizeExpected, parseByteSize, formatByteSize)
