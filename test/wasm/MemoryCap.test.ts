/**
 * The memory cap written into core modules: every defined memory gets a maximum of at most the
 * cap, nothing else changes, a memory that needs more from the start is reported, and arbitrary
 * bytes never throw. Checked on modules the test encodes, and on one the engine compiles and
 * refuses to grow past the cap.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { capMemory, PAGE_BYTES, writeLeb } from "../../src/wasm/MemoryCap.ts"

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
const section = (id: number, content: ReadonlyArray<number>) => [id, ...writeLeb(content.length), ...content]
const limits = (min: number, max: number | undefined) => (max === undefined ? [0x00, ...writeLeb(min)] : [0x01, ...writeLeb(min), ...writeLeb(max)])
/** A module with a custom section, the memories, and an export of memory 0 as "memory". */
const moduleWith = (memories: ReadonlyArray<{ readonly min: number; readonly max?: number | undefined }>) =>
  Uint8Array.from([
    ...HEADER,
    ...section(0, [4, ...new TextEncoder().encode("note"), 1, 2, 3]),
    ...section(5, [...writeLeb(memories.length), ...memories.flatMap((m) => limits(m.min, m.max))]),
    ...(memories.length > 0 ? section(7, [1, 6, ...new TextEncoder().encode("memory"), 0x02, 0]) : [])
  ])

/** The limits of each memory in a module's memory section. */
const readLimits = (bytes: Uint8Array): Array<{ flags: number; min: number; max: number | undefined }> => {
  let at = 8
  while (at < bytes.length) {
    const id = bytes[at]!
    let size = 0
    let shift = 1
    let i = at + 1
    for (;; i++) {
      size += (bytes[i]! & 0x7f) * shift
      shift *= 128
      if ((bytes[i]! & 0x80) === 0) break
    }
    const start = i + 1
    if (id === 5) {
      const out: Array<{ flags: number; min: number; max: number | undefined }> = []
      let p = start + 1
      const leb = () => {
        let v = 0
        let s = 1
        for (;;) {
          const b = bytes[p++]!
          v += (b & 0x7f) * s
          s *= 128
          if ((b & 0x80) === 0) return v
        }
      }
      for (let m = 0; m < bytes[start]!; m++) {
        const flags = bytes[p++]!
        const min = leb()
        out.push({ flags, min, max: (flags & 1) !== 0 ? leb() : undefined })
      }
      return out
    }
    at = start + size
  }
  return []
}

const pages = fc.integer({ min: 0, max: 70_000 })

describe("memory cap", () => {
  it("caps every memory at min(declared, cap), keeps the minimum and every other section", () => {
    fc.assert(fc.property(fc.array(fc.record({ min: fc.integer({ min: 0, max: 1024 }), max: fc.option(pages, { nil: undefined }) }), { maxLength: 3 }), fc.integer({ min: 1024, max: 65_536 }), (memories, capPages) => {
      const original = moduleWith(memories)
      const result = capMemory(original, capPages * PAGE_BYTES)
      assert.strictEqual(result._tag, "Capped")
      if (result._tag !== "Capped") return
      assert.strictEqual(result.memories, memories.length)
      assert.deepStrictEqual(readLimits(result.bytes), memories.map((m) => ({ flags: 1, min: m.min, max: Math.min(m.max ?? capPages, capPages) })))
      // Only the memory section may change size: the other sections are copied byte for byte.
      const custom = original.subarray(8, 8 + 2 + original[9]!)
      assert.deepStrictEqual(result.bytes.subarray(8, 8 + custom.length), custom)
    }))
  })

  it("a memory that needs more than the cap from the start is reported with its size", () => {
    assert.deepStrictEqual(capMemory(moduleWith([{ min: 300 }]), 256 * PAGE_BYTES), { _tag: "TooSmall", needsBytes: 300 * PAGE_BYTES })
  })

  it("never throws on arbitrary bytes, and refuses what is not a core module", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
      const result = capMemory(Uint8Array.from([...HEADER, ...tail]), 64 * 1024 * 1024)
      assert.include(["Capped", "Malformed", "TooSmall"], result._tag)
    }))
    assert.strictEqual(capMemory(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), PAGE_BYTES)._tag, "Malformed")
  })

  it("the engine compiles the capped module and will not grow its memory past the cap", async () => {
    const result = capMemory(moduleWith([{ min: 1 }]), 4 * PAGE_BYTES)
    assert.strictEqual(result._tag, "Capped")
    if (result._tag !== "Capped") return
    const wasm = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array): Promise<{ instance: { exports: { memory: { grow(n: number): number; buffer: ArrayBuffer } } } }> } }).WebAssembly
    const { instance } = await wasm.instantiate(result.bytes)
    assert.strictEqual(instance.exports.memory.grow(3), 1)
    assert.throws(() => instance.exports.memory.grow(1))
    assert.strictEqual(instance.exports.memory.buffer.byteLength, 4 * PAGE_BYTES)
  })
})
