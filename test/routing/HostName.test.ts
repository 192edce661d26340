import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { isAscii, normalizeHost } from "../../src/routing/HostName.ts"

/**
 * The hostname-normalisation corpus of peers-and-demands §2c, one row per case. Each row is
 * [what it covers, raw handshake (or config) host, routing key].
 */
const corpus: ReadonlyArray<readonly [string, string, string]> = [
  // Forge / FML markers: cut at the first NUL.
  ["FML (Forge 1.7–1.12)", "mc.example.com\0FML\0", "mc.example.com"],
  ["FML2 (Forge 1.13–1.17)", "mc.example.com\0FML2\0", "mc.example.com"],
  ["FML3 (Forge 1.18+)", "mc.example.com\0FML3\0", "mc.example.com"],
  ["bare FORGE token (LexForge 1.20.2+)", "mc.example.com\0FORGE", "mc.example.com"],
  ["trailing dot before the FML marker", "mc.example.com.\0FML2\0", "mc.example.com"],
  // Upstream-proxy data after NUL (BungeeCord IP forwarding from a proxy in front).
  [
    "BungeeCord forwarding",
    "mc.example.com\x00203.0.113.7\x00069a79f444e94726a5befca90e38aaf5\0[{\"name\":\"textures\",\"value\":\"e30=\"}]",
    "mc.example.com"
  ],
  ["BungeeCord forwarding with FML inside", "mc.example.com\x00198.51.100.1\0uuid\0[]\0FML\0", "mc.example.com"],
  // Trailing dots (SRV absolute names).
  ["one trailing dot (SRV target)", "mc.example.com.", "mc.example.com"],
  ["several trailing dots", "mc.example.com...", "mc.example.com"],
  ["SRV target is routed as sent", "node7.hosting.example.net.", "node7.hosting.example.net"],
  ["SRV service labels are not simplified", "_minecraft._tcp.example.com", "_minecraft._tcp.example.com"],
  // TCPShield RealIP: strip from the first `///`.
  ["TCPShield RealIP", "mc.example.com///203.0.113.7:54321///1700000000///c2lnbmF0dXJl", "mc.example.com"],
  ["TCPShield with IPv6 client", "mc.example.com///[2001:db8::7]:54321///1700000000///sig", "mc.example.com"],
  ["TCPShield after FML is cut by the NUL", "mc.example.com\0FML2\0///1.2.3.4:5///6///7", "mc.example.com"],
  ["TCPShield after an absolute name", "mc.example.com.///1.2.3.4:5///6///7", "mc.example.com"],
  ["Gate RealIP (no signature)", "mc.example.com///203.0.113.7:54321///1700000000", "mc.example.com"],
  // Infinity-Filter plugin mode: strip from the first backslash.
  ["Infinity-Filter", "mc.example.com\\\\8f14e45f-ceea-467e-a9c8-1b3c4d5e6f70\\\\203.0.113.7", "mc.example.com"],
  ["Infinity-Filter, single backslash", "mc.example.com\\guid\\203.0.113.7", "mc.example.com"],
  // Cloudflare-proxied SRV prefix: nobody strips it; a `*.play.example.com` wildcard routes it.
  ["Cloudflare _dc-srv prefix is kept", "_dc-srv.3f2a1b.play.example.com", "_dc-srv.3f2a1b.play.example.com"],
  // Port suffix.
  ["port suffix", "mc.example.com:25565", "mc.example.com"],
  ["port suffix after a dot", "mc.example.com.:25565", "mc.example.com"],
  ["IPv4 with port", "203.0.113.7:25565", "203.0.113.7"],
  ["not a port: letters", "mc.example.com:abc", "mc.example.com:abc"],
  ["not a port: > 65535", "mc.example.com:65536", "mc.example.com:65536"],
  ["not a port: empty", "mc.example.com:", "mc.example.com:"],
  // IPv6 literals.
  ["bracketed IPv6 with port", "[::1]:25565", "::1"],
  ["bracketed IPv6", "[::1]", "::1"],
  ["bare IPv6 keeps its last group", "::1", "::1"],
  ["bare IPv6 ending in digits is not a port", "2001:db8::25565", "2001:db8::25565"],
  ["IPv6 upper-case hex", "[2001:DB8::A]:25565", "2001:db8::a"],
  ["IPv6 with embedded IPv4", "[::ffff:192.0.2.1]:25565", "::ffff:192.0.2.1"],
  ["brackets around a non-IPv6 stay", "[mc.example.com]:25565", "[mc.example.com]:25565"],
  ["unclosed bracket stays", "[::1:25565", "[::1:25565"],
  // Case.
  ["case", "MC.Example.COM", "mc.example.com"],
  ["case with FML", "Play.EXAMPLE.com\0FML3\0", "play.example.com"],
  // Config side: the same function, wildcards survive.
  ["config trailing dot", "mc.example.com.", "mc.example.com"],
  ["config wildcard with dot and case", "*.Example.COM.", "*.example.com"],
  ["config ? wildcard", "Lobby-?.example.com", "lobby-?.example.com"],
  ["config catch-all", "*", "*"],
  // Whitespace (decision: trim ASCII whitespace at both ends, keep it inside).
  ["surrounding spaces", "  mc.example.com  ", "mc.example.com"],
  ["tabs and newlines", "\tmc.example.com.\r\n", "mc.example.com"],
  ["inner space is kept (never matches)", "mc .example.com", "mc .example.com"],
  ["non-ASCII space is not trimmed", "\u00a0mc.example.com", "\u00a0mc.example.com"],
  // IDN (decision: clients send punycode; fold ASCII case only).
  ["punycode passes through", "XN--BCHER-KVA.example", "xn--bcher-kva.example"],
  ["Unicode is not case-folded", "BÜCHER.example", "bÜcher.example"],
  ["KELVIN SIGN is not folded to k", "\u212a.example.com", "\u212a.example.com"],
  // Empty.
  ["empty host", "", ""],
  ["only a marker", "\0FML3\0", ""],
  ["only a dot", ".", ""],
  ["only a port", ":25565", ""]
]

describe("normalizeHost", () => {
  describe("corpus (peers-and-demands §2c)", () => {
    for (const [name, raw, expected] of corpus) {
      it(name, () => assert.strictEqual(normalizeHost(raw), expected))
    }
  })

  it("over-long hosts do not crash and stay linear", () => {
    const huge = "a".repeat(50_000) + ".example.com\0FML3\0"
    assert.strictEqual(normalizeHost(huge).length, 50_012)
    const hostile = "[" + ":".repeat(1_000_000)
    assert.strictEqual(normalizeHost(hostile), hostile)
    assert.strictEqual(normalizeHost(".".repeat(1_000_000)), "")
  })

  it("lone surrogates and control characters do not throw", () => {
    assert.strictEqual(normalizeHost("\ud800mc.example.com\udfff"), "\ud800mc.example.com\udfff")
    assert.strictEqual(normalizeHost("mc\u0001.example.com"), "mc\u0001.example.com")
  })
})

/** Strings built from the characters every step of the function reacts to. */
const tricky = fc
  .array(
    fc.constantFrom(
      "a", "B", "z", "1", "f", ".", ":", "[", "]", "\0", "/", "//", "///", "\\", " ", "\t", "*", "?",
      "25565", "65536", "::", "FML", "\u212a", "é"
    ),
    { maxLength: 24 }
  )
  .map((parts) => parts.join(""))

const anyString = fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 64 }))

describe("normalizeHost properties", () => {
  it("is idempotent", () => {
    fc.assert(fc.property(anyString, (s) => normalizeHost(normalizeHost(s)) === normalizeHost(s)), {
      numRuns: 5_000
    })
  })

  it("never grows, and leaves no separator, upper-case ASCII or trailing dot/space", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const n = normalizeHost(s)
        return n.length <= s.length && !n.includes("\0") && !n.includes("\\") && !n.includes("///") &&
          !/[A-Z]/.test(n) && !/[. \t\n\v\f\r]$/.test(n) && !/^[ \t\n\v\f\r]/.test(n)
      }),
      { numRuns: 5_000 }
    )
  })

  it("ignores every decoration a client or an edge appends", () => {
    const suffix = fc.constantFrom(
      "", ".", "...", "\0FML\0", "\0FML2\0", "\0FML3\0", "\0FORGE", "\x00203.0.113.7\0uuid\0[]",
      "///203.0.113.7:1///2///3", "\\\\guid\\\\203.0.113.7", ":25565", ".:25565"
    )
    fc.assert(
      fc.property(fc.domain(), suffix, (host, tail) => {
        const upper = host.toUpperCase() + tail
        return normalizeHost(upper) === host.toLowerCase() && normalizeHost(host + tail) === normalizeHost(host)
      })
    )
  })

  it("keeps * and ? in config patterns", () => {
    const pattern = fc
      .array(fc.constantFrom("*", "?", "a", "b", "-", "."), { minLength: 1, maxLength: 16 })
      .map((p) => p.join(""))
    fc.assert(fc.property(pattern, (p) => normalizeHost(p) === p.replace(/\.+$/, "")))
  })
})

describe("isAscii", () => {
  it("tells punycode from Unicode", () => {
    assert.isTrue(isAscii("xn--bcher-kva.example"))
    assert.isFalse(isAscii("bücher.example"))
    assert.isTrue(isAscii(""))
  })
})
