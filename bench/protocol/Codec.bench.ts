/**
 * Micro-benchmark of the hot pre-login codecs: the handshake path every connection takes
 * (frame + handshake decode, then Login Start) and VarInt encode/decode.
 *
 *   node bench/protocol/Codec.bench.ts
 *
 * Plain `performance.now()` timing after a warm-up; results go to a sink so the JIT cannot drop
 * the work. Numbers are per operation, on whatever machine runs it: compare runs, not machines.
 */
import { decodeFrame } from "../../src/protocol/Frame.ts"
import { decodeHandshake, encodeHandshake } from "../../src/protocol/Handshake.ts"
import { decodeLoginStart, encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { decodeVarInt, encodeVarInt, writeVarInt } from "../../src/protocol/VarInt.ts"
import { bytesOf } from "../../test/support/RawClient.ts"

const ITERATIONS = 1_000_000
const WARMUP = 100_000

let sink = 0

const bench = (name: string, op: (i: number) => number): void => {
  for (let i = 0; i < WARMUP; i++) sink ^= op(i)
  const start = performance.now()
  for (let i = 0; i < ITERATIONS; i++) sink ^= op(i)
  const ns = ((performance.now() - start) * 1e6) / ITERATIONS
  console.log(`${name.padEnd(40)} ${ns.toFixed(1).padStart(8)} ns/op`)
}

const handshake = bytesOf(encodeHandshake({ protocolVersion: 769, serverAddress: "play.example.com", serverPort: 25565, nextState: 2 }))
const loginStart = bytesOf(encodeLoginStart({ name: "Steve", uuid: "8667ba71-b85a-4004-af54-457a9734eed7" }, 769))
const values = Array.from({ length: 1024 }, (_, i) => (i * 2654435761) | 0)
const encoded = values.map(encodeVarInt)
const scratch = new Uint8Array(5)

bench("decodeFrame (handshake frame)", () => {
  const d = decodeFrame(handshake, 0, 781)
  return d._tag === "Done" ? d.offset : -1
})
bench("decodeHandshake", () => {
  const d = decodeHandshake(handshake, 0)
  return d._tag === "Done" ? d.value.serverPort : -1
})
bench("decodeLoginStart (1.21.4)", () => {
  const d = decodeLoginStart(loginStart, 0, 769)
  return d._tag === "Done" ? d.value.name.length : -1
})
bench("encodeHandshake", (i) => bytesOf(encodeHandshake({ protocolVersion: 769, serverAddress: "play.example.com", serverPort: i & 0xffff, nextState: 2 })).length)
bench("VarInt encode (writeVarInt, in place)", (i) => writeVarInt(scratch, 0, values[i & 1023]!))
bench("VarInt encode (encodeVarInt, allocates)", (i) => encodeVarInt(values[i & 1023]!).length)
bench("VarInt decode", (i) => {
  const d = decodeVarInt(encoded[i & 1023]!, 0)
  return d._tag === "Done" ? d.value : -1
})

console.log(`(sink ${sink})`)
