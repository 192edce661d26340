/**
 * A relayed socket's read buffer: small while idle, grown by full reads, and small again after a
 * quiet run, so a session that loaded chunks once does not keep 64 KiB per direction.
 */
import { assert, describe, it } from "@effect/vitest"
import { QUIET_READS, ReadBuffer } from "../../src/socket/ReadBuffer.ts"

const sink = { onData: () => true }
const makeReadBuffer = (initial: number) => new ReadBuffer(sink, initial)

/** Node's side of `onread`: take the buffer, read `n` bytes into it, report them. */
const read = (rb: ReadBuffer, n: (size: number) => number) => {
  const buf = rb.next()
  rb.filled(n(buf.length))
  return buf
}

describe("ReadBuffer", () => {
  it("grows ×4 per full read up to 64 KiB, and keeps its buffer while reads are partial", () => {
    const rb = makeReadBuffer(512)
    const sizes = [0, 1, 2, 3, 4, 5].map(() => read(rb, (size) => size).length)
    assert.deepStrictEqual(sizes, [512, 2048, 8192, 32768, 65536, 65536])
    const first = rb.next()
    read(rb, () => 1000)
    assert.strictEqual(rb.next(), first, "a partial read that is not quiet keeps the buffer")
  })

  it("goes back to the first size after a run of quiet reads, and only after a whole run", () => {
    const rb = makeReadBuffer(512)
    for (let i = 0; i < 5; i++) read(rb, (size) => size)
    assert.strictEqual(rb.next().length, 65536)
    for (let i = 0; i < QUIET_READS - 1; i++) read(rb, () => 40)
    // A busy read in the middle starts the count again.
    read(rb, () => 30_000)
    for (let i = 0; i < QUIET_READS - 1; i++) read(rb, () => 40)
    assert.strictEqual(rb.next().length, 65536)
    read(rb, () => 40)
    assert.strictEqual(rb.next().length, 512)
    // Bulk traffic again grows it as before.
    assert.strictEqual(read(rb, (size) => size).length, 512)
    assert.strictEqual(rb.next().length, 2048)
  })

  it("reads of a few KiB (bulk traffic shared by many connections) never shrink it", () => {
    const rb = makeReadBuffer(512)
    for (let i = 0; i < 5; i++) read(rb, (size) => size)
    for (let i = 0; i < QUIET_READS * 4; i++) read(rb, () => 4096)
    assert.strictEqual(rb.next().length, 65536)
  })

  it("a buffer at its first size never shrinks", () => {
    const rb = makeReadBuffer(512)
    const first = rb.next()
    for (let i = 0; i < QUIET_READS * 2; i++) read(rb, () => 1)
    assert.strictEqual(rb.next(), first)
  })
})
