/**
 * The memory cap of a WebAssembly plugin, written into its core modules before they are compiled:
 * every memory a module defines gets a maximum of `max_memory` (or keeps a lower one it declared).
 * The engine then refuses to grow it past the cap: `memory.grow` returns -1, so an allocator
 * reports failure and the plugin traps or copes, and the proxy never has to notice a runaway
 * allocation after the fact.
 *
 * Only the memory section (id 5) is rewritten; imported memories are left alone (they are defined,
 * and capped, by the module that exports them). Plain functions over bytes, no I/O.
 */

/** WebAssembly pages are 64 KiB (core spec §2.3.8). */
export const PAGE_BYTES = 65_536
const MAGIC = [0x00, 0x61, 0x73, 0x6d] as const
/** Core module binary version 1 (a component has version 0x0d and layer 1). */
const CORE_VERSION = [0x01, 0x00, 0x00, 0x00] as const
const MEMORY_SECTION = 5
/** Limits flags: bit 0 = has a maximum, bit 1 = shared, bit 2 = 64-bit indices. */
const HAS_MAX = 0x01
const MEMORY64 = 0x04

export type Capped =
  | { readonly _tag: "Capped"; readonly bytes: Uint8Array; readonly memories: number }
  | { readonly _tag: "TooSmall"; readonly needsBytes: number }
  | { readonly _tag: "Malformed"; readonly reason: string }

interface Leb {
  readonly value: number
  readonly next: number
}

/** An unsigned LEB128 of at most 53 bits (the sizes and page counts of a module), or undefined. */
const readLeb = (bytes: Uint8Array, offset: number): Leb | undefined => {
  let value = 0
  let scale = 1
  for (let i = offset; i < bytes.length && i < offset + 8; i++) {
    const b = bytes[i]!
    value += (b & 0x7f) * scale
    if ((b & 0x80) === 0) return { value, next: i + 1 }
    scale *= 128
  }
  return undefined
}

export const writeLeb = (value: number): Array<number> => {
  const out: Array<number> = []
  let rest = value
  do {
    const low = rest % 128
    rest = Math.floor(rest / 128)
    out.push(rest > 0 ? low | 0x80 : low)
  } while (rest > 0)
  return out
}

const startsWith = (bytes: Uint8Array, offset: number, prefix: ReadonlyArray<number>) => prefix.every((b, i) => bytes[offset + i] === b)

/** Rewrites one memory section's content with every maximum at most `maxPages`. */
const capSection = (content: Uint8Array, maxPages: number): { readonly bytes: Array<number>; readonly count: number } | string | number => {
  const count = readLeb(content, 0)
  if (count === undefined) return "a memory section without a count"
  const out = writeLeb(count.value)
  let at = count.next
  for (let m = 0; m < count.value; m++) {
    const flags = content[at]
    if (flags === undefined) return "a memory section that ends early"
    if ((flags & MEMORY64) !== 0) return "a 64-bit memory (memory64 is not supported)"
    if (flags > 0x03) return `memory limits with unknown flags 0x${flags.toString(16)}`
    const min = readLeb(content, at + 1)
    if (min === undefined) return "memory limits without a minimum"
    at = min.next
    let max = maxPages
    if ((flags & HAS_MAX) !== 0) {
      const declared = readLeb(content, at)
      if (declared === undefined) return "memory limits without their maximum"
      at = declared.next
      max = Math.min(declared.value, maxPages)
    }
    if (min.value > maxPages) return min.value * PAGE_BYTES
    out.push(flags | HAS_MAX, ...writeLeb(min.value), ...writeLeb(max))
  }
  if (at !== content.length) return "a memory section with trailing bytes"
  return { bytes: out, count: count.value }
}

/**
 * `module` with every memory it defines capped at `maxBytes` (rounded down to whole pages).
 * `TooSmall` when a memory needs more than that from the start; `Malformed` when the bytes are
 * not a core module this function can read (the engine would refuse it anyway).
 */
export const capMemory = (module: Uint8Array, maxBytes: number): Capped => {
  if (!startsWith(module, 0, MAGIC) || !startsWith(module, 4, CORE_VERSION)) return { _tag: "Malformed", reason: "not a core WebAssembly module" }
  const maxPages = Math.floor(maxBytes / PAGE_BYTES)
  const parts: Array<Uint8Array> = [module.subarray(0, 8)]
  let memories = 0
  let at = 8
  while (at < module.length) {
    const id = module[at]!
    const size = readLeb(module, at + 1)
    if (size === undefined || size.next + size.value > module.length) return { _tag: "Malformed", reason: `section ${id} runs past the end` }
    const end = size.next + size.value
    if (id !== MEMORY_SECTION) {
      parts.push(module.subarray(at, end))
    } else {
      const capped = capSection(module.subarray(size.next, end), maxPages)
      if (typeof capped === "string") return { _tag: "Malformed", reason: capped }
      if (typeof capped === "number") return { _tag: "TooSmall", needsBytes: capped }
      memories += capped.count
      parts.push(Uint8Array.from([MEMORY_SECTION, ...writeLeb(capped.bytes.length), ...capped.bytes]))
    }
    at = end
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return { _tag: "Capped", bytes, memories }
}
