/**
 * Reads the packet id at the start of a compressed packet body (a zlib stream) by decoding
 * only the first bytes of the stream, without inflating the rest.
 *
 * Why not node:zlib: each `inflateSync` call builds a zlib stream object (about 15–25 µs
 * measured on Node 24, whatever the output size), and the session loop asks for the id of
 * every compressed frame it relays, most of which (chunks) it then forwards untouched. This
 * decoder reads the zlib header (RFC 1950) and deflate blocks (RFC 1951) up to the end of the
 * VarInt packet id: a few hundred bit reads for a dynamic block's code tables, no allocation.
 *
 * It validates only what it reads: a stream that is corrupt after the id gives the id here
 * and fails later in the full inflate (Compression.ts), which checks the whole stream.
 * Incomplete Huffman codes are accepted (a code that is never used is harmless here);
 * over-subscribed ones, reserved block types and back-references before the start are not.
 * Not re-entrant (module-level scratch state), which is fine for synchronous single-threaded use.
 */
import { malformed, type ProtocolError } from "../protocol/ProtocolError.ts"
import { VARINT_MAX_BYTES } from "../protocol/VarInt.ts"

const MAX_CODE_BITS = 15
// Length and distance bases and extra bits of RFC 1951 §3.2.5.
const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258)
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577)
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13)
/** Order of the code-length code lengths in a dynamic block header (RFC 1951 §3.2.7). */
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  readonly count: Uint16Array
  readonly symbol: Uint16Array
}
const huffman = (symbols: number): Huffman => ({ count: new Uint16Array(MAX_CODE_BITS + 1), symbol: new Uint16Array(symbols) })

const lengthCode = huffman(288)
const distCode = huffman(32)
const codeLengthCode = huffman(19)
const fixedLength = huffman(288)
const fixedDist = huffman(32)
const lengths = new Uint8Array(288 + 32)
/**
 * Code-length codes are at most 7 bits: a 128-entry table indexed by the next 7 input bits
 * gives `symbol << 3 | length` (0: unused code) in one step. Up to 316 of them open every
 * dynamic block, so this is where a peek spends its time.
 */
const CODE_LENGTH_BITS = 7
const codeLengthTable = new Uint16Array(1 << CODE_LENGTH_BITS)
const offsets = new Uint16Array(MAX_CODE_BITS + 2)
const EMPTY = new Uint8Array(0)
// Bit reader state (LSB first) and the output so far.
let input: Uint8Array = EMPTY
let pos = 0
let bitBuf = 0
let bitCount = 0
const out = new Uint8Array(VARINT_MAX_BYTES)
let outLength = 0
let id = 0
let error = ""

const TRUNCATED = -1
const INVALID = -2
/** Returned by the block decoders once the id is complete. */
const FOUND = -3

const invalid = (detail: string): number => {
  error = detail
  return INVALID
}

/** `n` (≤ 13) bits, or TRUNCATED. */
const bits = (n: number): number => {
  while (bitCount < n) {
    if (pos >= input.length) return TRUNCATED
    bitBuf |= input[pos++]! << bitCount
    bitCount += 8
  }
  const v = bitBuf & ((1 << n) - 1)
  bitBuf >>>= n
  bitCount -= n
  return v
}

/** Builds `h` from `n` code lengths at `lengths[from]`; over-subscribed is INVALID, else 0. */
const build = (h: Huffman, from: number, n: number): number => {
  const count = h.count
  const symbol = h.symbol
  for (let len = 0; len <= MAX_CODE_BITS; len++) count[len] = 0
  for (let s = from; s < from + n; s++) count[lengths[s]!]!++
  let left = 1
  for (let len = 1; len <= MAX_CODE_BITS; len++) {
    left = (left << 1) - count[len]!
    if (left < 0) return invalid("over-subscribed Huffman code")
  }
  offsets[1] = 0
  for (let len = 1; len < MAX_CODE_BITS; len++) offsets[len + 1] = offsets[len]! + count[len]!
  for (let s = 0; s < n; s++) {
    const len = lengths[from + s]!
    if (len !== 0) symbol[offsets[len]!++] = s
  }
  return 0
}

/** One symbol of `h`, read a bit at a time (canonical codes are ordered by length). */
const decode = (h: Huffman): number => {
  let code = 0
  let first = 0
  let index = 0
  for (let len = 1; len <= MAX_CODE_BITS; len++) {
    const bit = bits(1)
    if (bit < 0) return bit
    code |= bit
    const count = h.count[len]!
    if (code - first < count) return h.symbol[index + code - first]!
    index += count
    first = (first + count) << 1
    code <<= 1
  }
  return invalid("unused Huffman code")
}

/** Appends one output byte to the VarInt id; FOUND once it is complete. */
const emit = (byte: number): number => {
  out[outLength] = byte
  id |= (byte & 0x7f) << (7 * outLength)
  outLength++
  if ((byte & 0x80) === 0) return FOUND
  return outLength === VARINT_MAX_BYTES ? invalid(`packet id VarInt longer than ${VARINT_MAX_BYTES} bytes`) : 0
}

/** Literals and back-references of one Huffman block, until its end (0) or the id. */
const codes = (lens: Huffman, dists: Huffman): number => {
  for (;;) {
    const sym = decode(lens)
    if (sym < 0) return sym
    if (sym < 256) {
      const r = emit(sym)
      if (r !== 0) return r
      continue
    }
    if (sym === 256) return 0
    const l = sym - 257
    if (l >= LENGTH_BASE.length) return invalid(`length symbol ${sym}`)
    const extra = bits(LENGTH_EXTRA[l]!)
    if (extra < 0) return extra
    const d = decode(dists)
    if (d < 0) return d
    if (d >= DIST_BASE.length) return invalid(`distance symbol ${d}`)
    const dExtra = bits(DIST_EXTRA[d]!)
    if (dExtra < 0) return dExtra
    const distance = DIST_BASE[d]! + dExtra
    if (distance > outLength) return invalid("back-reference before the start of the stream")
    for (let k = LENGTH_BASE[l]! + extra; k > 0; k--) {
      const r = emit(out[outLength - distance]!)
      if (r !== 0) return r
    }
  }
}

/** A stored block: byte-aligned LEN, NLEN, then LEN raw bytes. */
const stored = (): number => {
  bitBuf = 0
  bitCount = 0
  if (pos + 4 > input.length) return TRUNCATED
  const len = input[pos]! | (input[pos + 1]! << 8)
  const nlen = input[pos + 2]! | (input[pos + 3]! << 8)
  if (len !== (~nlen & 0xffff)) return invalid("stored block length check failed")
  pos += 4
  for (let k = 0; k < len; k++) {
    if (pos >= input.length) return TRUNCATED
    const r = emit(input[pos++]!)
    if (r !== 0) return r
  }
  return 0
}

/** A dynamic block: read its code tables, then its codes. */
const dynamic = (): number => {
  const hlit = bits(5)
  const hdist = bits(5)
  const hclen = bits(4)
  if (hlit < 0 || hdist < 0 || hclen < 0) return TRUNCATED
  const nlen = hlit + 257
  const ndist = hdist + 1
  if (nlen > 286 || ndist > 30) return invalid("too many length or distance codes")
  lengths.fill(0, 0, 19)
  for (let i = 0; i < hclen + 4; i++) {
    const v = bits(3)
    if (v < 0) return v
    lengths[CODE_LENGTH_ORDER[i]!] = v
  }
  if (build(codeLengthCode, 0, 19) < 0) return INVALID
  buildCodeLengthTable()
  const r = readCodeLengths(nlen + ndist)
  if (r < 0) return r
  if (lengths[256] === 0) return invalid("no end-of-block code")
  if (build(lengthCode, 0, nlen) < 0 || build(distCode, nlen, ndist) < 0) return INVALID
  return codes(lengthCode, distCode)
}

/** The `n` literal/length and distance code lengths, run-length coded (symbols 16–18). */
const readCodeLengths = (n: number): number => {
  let i = 0
  while (i < n) {
    const sym = decodeCodeLength()
    if (sym < 0) return sym
    if (sym < 16) {
      lengths[i++] = sym
      continue
    }
    if (sym === 16 && i === 0) return invalid("repeat with no previous length")
    const value = sym === 16 ? lengths[i - 1]! : 0
    const extra = bits(sym === 16 ? 2 : sym === 17 ? 3 : 7)
    if (extra < 0) return extra
    const repeat = extra + (sym === 18 ? 11 : 3)
    if (i + repeat > n) return invalid("code lengths run past the table")
    lengths.fill(value, i, i + repeat)
    i += repeat
  }
  return 0
}

/** Fills {@link codeLengthTable} from the 19 code lengths in `lengths` (canonical codes, bits reversed). */
const buildCodeLengthTable = (): void => {
  codeLengthTable.fill(0)
  let code = 0
  for (let len = 1; len <= CODE_LENGTH_BITS; len++) {
    for (let s = 0; s < 19; s++) {
      if (lengths[s] !== len) continue
      let reversed = 0
      for (let b = 0; b < len; b++) reversed |= ((code >> b) & 1) << (len - 1 - b)
      for (let k = reversed; k < codeLengthTable.length; k += 1 << len) codeLengthTable[k] = (s << 3) | len
      code++
    }
    code <<= 1
  }
}

/** One code-length symbol through the table; bit by bit in the last bytes of the input. */
const decodeCodeLength = (): number => {
  while (bitCount < CODE_LENGTH_BITS && pos < input.length) {
    bitBuf |= input[pos++]! << bitCount
    bitCount += 8
  }
  if (bitCount < CODE_LENGTH_BITS) return decode(codeLengthCode)
  const entry = codeLengthTable[bitBuf & ((1 << CODE_LENGTH_BITS) - 1)]!
  if (entry === 0) return invalid("unused Huffman code")
  bitBuf >>>= entry & 7
  bitCount -= entry & 7
  return entry >> 3
}

const buildFixed = (): void => {
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288)
  build(fixedLength, 0, 288)
  lengths.fill(5, 0, 30)
  build(fixedDist, 0, 30)
}
buildFixed()

/** Deflate blocks until the id is complete. */
const blocks = (): number => {
  for (;;) {
    const final = bits(1)
    const type = bits(2)
    if (final < 0 || type < 0) return TRUNCATED
    const r = type === 0 ? stored() : type === 1 ? codes(fixedLength, fixedDist) : type === 2 ? dynamic() : invalid("reserved block type 3")
    if (r !== 0) return r
    if (final === 1) return invalid("stream ends before the packet id is complete")
  }
}

/**
 * The packet id at the start of the zlib stream `body`, or Malformed when the stream's first
 * bytes are not valid zlib or end before the VarInt id does.
 */
export const peekCompressedId = (body: Uint8Array): number | ProtocolError => {
  if (body.length < 2) return malformed("compressed.packet_id", "zlib stream shorter than its header")
  const cmf = body[0]!
  const flg = body[1]!
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7) return malformed("compressed.packet_id", "not a deflate zlib stream")
  if (((cmf << 8) | flg) % 31 !== 0) return malformed("compressed.packet_id", "zlib header check failed")
  // A preset dictionary is never used by the protocol; vanilla's Inflater cannot read one either.
  if ((flg & 0x20) !== 0) return malformed("compressed.packet_id", "zlib preset dictionary")
  input = body
  pos = 2
  bitBuf = 0
  bitCount = 0
  outLength = 0
  id = 0
  const r = blocks()
  input = EMPTY // do not keep the caller's buffer alive
  if (r === FOUND) return id < 0 ? malformed("compressed.packet_id", `negative packet id ${id}`) : id
  return malformed("compressed.packet_id", r === TRUNCATED ? "zlib stream ends before the packet id" : error)
}
