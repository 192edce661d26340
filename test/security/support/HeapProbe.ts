/**
 * Preloaded into the proxy process by the flood test (`node --expose-gc --import ...`): on
 * SIGUSR2 it runs a full GC and prints the live heap to stderr as `HEAP <bytes> <rss>`. A
 * forced GC gives the memory the proxy actually holds, which RSS alone cannot show: V8 grows
 * its heap lazily under allocation pressure and returns it lazily too.
 */
const gc = (globalThis as { gc?: () => void }).gc

process.on("SIGUSR2", () => {
  gc?.()
  const m = process.memoryUsage()
  process.stderr.write(`HEAP ${m.heapUsed} ${m.rss}\n`)
})
