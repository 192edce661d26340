/**
 * Synthetic game data for packet-layer tests and benchmarks: deterministic bytes that deflate
 * like chunk data (about a quarter at zlib level 6, a third at level 1), i.e. runs of 1–8
 * equal small values, rather than incompressible noise or all zeros.
 */
export const semiCompressible = (n: number, seed = 1): Uint8Array => {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  let i = 0
  while (i < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    const value = x >>> 28
    for (let run = 1 + ((x >>> 8) & 7); run > 0 && i < n; run--) out[i++] = value
  }
  return out
}
