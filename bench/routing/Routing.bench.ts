/**
 * Micro-benchmark of the routing hot path: `RoutingTable.resolve` (normalise + exact map +
 * wildcard scan) for an exact hit, a wildcard hit and a miss, on tables of 10 and 1,000
 * servers; plus the hand-written wildcard matcher against an escaped RegExp.
 *
 * Run: `node bench/routing/Routing.bench.ts`. Figures are ns/op on this machine, for shapes and
 * ratios, not absolutes. The wildcard hit is the *last* wildcard in precedence order, the one
 * a linear scan would reach last. Before the suffix index (`WildcardIndex.ts`) a plain scan
 * cost about 37 µs for that hit and 24 µs for a miss at 1,000 servers.
 */
import * as os from "node:os"
import * as DomainPattern from "../../src/routing/DomainPattern.ts"
import { normalizeHost } from "../../src/routing/HostName.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"

const ROUNDS = 5
/** Each round runs for about this long, whatever the cost of one call. */
const ROUND_MS = 100

/** Best of ROUNDS timed runs, in ns/op; `sink` keeps results observable. */
let sink = 0
const loop = (run: () => unknown, iterations: number): number => {
  const start = performance.now()
  for (let i = 0; i < iterations; i++) if (run() !== undefined) sink++
  return performance.now() - start
}
const time = (run: () => unknown): number => {
  // Warm up the JIT and size the rounds from a probe.
  let iterations = 1
  while (loop(run, iterations) < ROUND_MS / 10) iterations *= 4
  iterations = Math.max(1, Math.round((iterations * ROUND_MS) / Math.max(loop(run, iterations), 1e-3)))
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < ROUNDS; r++) best = Math.min(best, (loop(run, iterations) * 1e6) / iterations)
  return best
}

/** Each server has one exact domain and one wildcard, as a typical servers/ directory would. */
const tableOf = (servers: number) =>
  RoutingTable.make(
    Array.from({ length: servers }, (_, i) => {
      const n = String(i).padStart(4, "0")
      return {
        id: `server-${n}`,
        file: `${n}-server.toml`,
        domains: [`s${n}.example.com`, `*.w${n}.example.net`],
        value: i
      }
    })
  ).table

const rows: Array<Record<string, string | number>> = []
const record = (name: string, servers: number | string, ns: number) =>
  rows.push({ case: name, servers, "ns/op": Math.round(ns * 10) / 10 })

for (const servers of [10, 1_000]) {
  const table = tableOf(servers)
  const last = table.wildcards[table.wildcards.length - 1]
  if (!last) throw new Error("bench table has no wildcard")
  const exactHost = `s${String(servers - 1).padStart(4, "0")}.example.com`
  // Built once: a handshake decoder yields flat strings, and a per-call template literal would
  // time V8's rope flattening instead of the lookup.
  const decoratedHost = `${exactHost}.\0FML3\0`
  const wildcardHost = last.pattern.source.replace("*", "player")
  const check = (host: string, kind: string | undefined) => {
    if (RoutingTable.resolve(table, host)?.kind !== kind) throw new Error(`bench setup: ${host}`)
  }
  check(exactHost, "exact")
  check(wildcardHost, "wildcard")
  check("unknown.example.org", undefined)

  record("exact hit", servers, time(() => RoutingTable.resolve(table, exactHost)))
  record("exact hit, FML3 + trailing dot", servers, time(() => RoutingTable.resolve(table, decoratedHost)))
  record("wildcard hit (lowest-precedence wildcard)", servers, time(() => RoutingTable.resolve(table, wildcardHost)))
  record("miss", servers, time(() => RoutingTable.resolve(table, "unknown.example.org")))
}

record("normalizeHost, clean host", "-", time(() => normalizeHost("mc.example.com")))
record("normalizeHost, FML3 + trailing dot", "-", time(() => normalizeHost("mc.example.com.\0FML3\0")))
record("normalizeHost, TCPShield", "-", time(() => normalizeHost("MC.Example.com///203.0.113.7:5///1700000000///sig")))

// The alternative design: escape the pattern and turn `*`/`?` into `.*`/`.`.
const toRegExp = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`)
for (const [pattern, host] of [
  ["*.w0500.example.net", "player.w0500.example.net"],
  ["*.w0500.example.net", "unknown.example.org"],
  ["lobby-?.*.example.net", "lobby-1.eu.example.net"],
  // A hostile host against a many-star pattern: the RegExp backtracks polynomially (degree =
  // number of stars); at 128 chars one test takes seconds, so the host is kept at 48 here.
  ["*a*a*a*a*a*b", "a".repeat(48)]
] as const) {
  const compiled = DomainPattern.compile(pattern)
  const re = toRegExp(pattern)
  if (DomainPattern.matches(compiled, host) !== re.test(host)) throw new Error(`disagree on ${pattern}`)
  const label = `${pattern} vs ${host.length > 30 ? `"a" × ${host.length}` : host}`
  record(`matcher: hand-written, ${label}`, "-", time(() => DomainPattern.matches(compiled, host) || undefined))
  record(`matcher: RegExp, ${label}`, "-", time(() => re.test(host) || undefined))
}

console.log(
  `node ${process.version}, best of ${ROUNDS} rounds of ~${ROUND_MS} ms each, load average ${
    os.loadavg().map((l) => l.toFixed(2)).join(" ")
  } on ${os.availableParallelism()} CPUs`
)
console.table(rows)
if (sink < 0) console.log(sink)
