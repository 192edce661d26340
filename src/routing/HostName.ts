/**
 * Canonical form of a handshake `server_address` for routing, and of the domains written in
 * server configs (both go through {@link normalizeHost}, so `"mc.example.com."` in a config
 * matches a client that sent `MC.example.com\0FML3\0`).
 *
 * Invariant: `normalizeHost` is total (never throws, linear time on any string) and idempotent,
 * and it never touches `*` or `?`, so wildcard patterns survive it. It is used for the routing
 * key only: the original handshake bytes still go to the backend unchanged, because Forge,
 * BungeeCord and TCPShield backends read the decorations this function removes.
 *
 * Steps, in order:
 * 1. cut at the first NUL, at the first `///` and at the first `\`;
 * 2. trim ASCII whitespace at both ends and dots at the end;
 * 3. strip a `:port` suffix, or unwrap a bracketed IPv6 literal `[v6]` / `[v6]:port`;
 * 4. trim again (a port may have hidden a trailing dot: `host.:25565`);
 * 5. lower-case ASCII letters only.
 * Steps 1–4 move two indices over the raw string and slice once at the end, with plain char
 * scans instead of `indexOf`: that roughly halved the cost for an FML host (about 290 → 130 ns
 * on a loaded 2-CPU machine, `bench/routing`).
 */

/** Longest host that can route: the vanilla handshake caps `server_address` at 255 chars. */
export const MAX_ROUTABLE_HOST_LENGTH = 255

/**
 * Separators that start data appended to the host by someone other than the player:
 * - NUL: Forge/FML markers (`\0FML\0`, `\0FML2\0`, `\0FML3\0`, bare `\0FORGE` since LexForge
 *   1.20.2) and BungeeCord IP forwarding from a proxy in front (`host\0ip\0uuid\0props`).
 *   Same cut as Velocity's `cleanVhost` and mc-router.
 * - `///`: TCPShield RealIP (`host///ip:port///timestamp///signature`); Gate and mc-router
 *   also cut at the first `///`.
 * - `\`: Infinity-Filter plugin mode (`host\\GUID\\CLIENT_IP…`). mc-router cuts at the first
 *   single backslash (Go `"\\"`), which also covers the doubled form; a backslash is never
 *   valid in a host name, so the cut cannot truncate a real host.
 * The separators share no character, so cutting at the earliest of them equals cutting at
 * each in turn, in any order.
 */
const NUL = 0x00
const SLASH = 0x2f
const BACKSLASH = 0x5c
const DOT = 0x2e
const COLON = 0x3a

/** Index of the first separator (see above), or `s.length`. One char scan: cheaper than indexOf ×3. */
const firstSeparator = (s: string): number => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === NUL || c === BACKSLASH) return i
    if (c === SLASH && s.charCodeAt(i + 1) === SLASH && s.charCodeAt(i + 2) === SLASH) return i
  }
  return s.length
}

const isAsciiWhitespace = (c: number): boolean =>
  c === 0x20 || (c >= 0x09 && c <= 0x0d) // space, \t \n \v \f \r

/** Trailing ASCII whitespace and dots, in any mix. */
const isTrailingJunk = (c: number): boolean => c === DOT || isAsciiWhitespace(c)

/** 1–5 ASCII digits in s[from, to) with a value of at most 65535. */
const isPort = (s: string, from: number, to: number): boolean => {
  if (to - from < 1 || to - from > 5) return false
  let n = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
    n = n * 10 + (c - 0x30)
  }
  return n <= 65535
}

/**
 * Plausible IPv6 text in s[from, to): hex digits, colons and dots (embedded IPv4) with at least
 * two colons. Not a validator: it only decides whether brackets may be removed. The two-colon
 * rule keeps the result stable (one colon would read as a port on the next pass); zone ids
 * (`%eth0`) stay bracketed because no Minecraft client sends them.
 */
const looksLikeIpv6 = (s: string, from: number, to: number): boolean => {
  let colons = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c === COLON) colons++
    else if (
      !(c >= 0x30 && c <= 0x39) && !(c >= 0x61 && c <= 0x66) && !(c >= 0x41 && c <= 0x46) && c !== DOT
    ) return false
  }
  return colons >= 2
}

const ASCII_UPPER_RUNS = /[A-Z]+/g

/**
 * ASCII-only lower-casing. DNS names compare case-insensitively only for ASCII (RFC 4343), and
 * the vanilla client sends IDNs as punycode (`IDN.toASCII` in `ServerAddress.getHost`), so
 * nothing non-ASCII needs folding. Full Unicode `toLowerCase` would also map look-alikes onto
 * ASCII (KELVIN SIGN U+212A → `k`), letting a crafted host match a domain it does not name;
 * on an all-ASCII string it is exactly ASCII folding, and the fast native path.
 */
const asciiLower = (s: string): string => {
  let upper = false
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) upper = true
    else if (c > 0x7f) ascii = false
  }
  if (!upper) return s
  return ascii ? s.toLowerCase() : s.replace(ASCII_UPPER_RUNS, (run) => run.toLowerCase())
}

/**
 * Fast path for the usual handshake (`mc.example.com`): only `[a-z0-9._-]` and no trailing dot
 * means no step can change the string.
 */
const isCanonical = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === DOT || c === 0x2d || c === 0x5f)) {
      return false
    }
  }
  return s.charCodeAt(s.length - 1) !== DOT
}

/**
 * The routing key for a handshake host or a configured domain. Examples:
 * `"MC.Example.com.\0FML2\0"` → `"mc.example.com"`,
 * `"mc.example.com///1.2.3.4:5///1700000000///sig"` → `"mc.example.com"`,
 * `"mc.example.com:25565"` → `"mc.example.com"`, `"[::1]:25565"` → `"::1"`, `"::1"` → `"::1"`,
 * `"*.Example.com."` → `"*.example.com"`.
 */
export const normalizeHost = (raw: string): string => {
  if (isCanonical(raw)) return raw

  // 1. Cut off whatever a client, proxy or edge appended.
  let start = 0
  let end = firstSeparator(raw)

  // 2. Trim. All trailing dots go, not one: SRV targets arrive absolute (`mc.example.com.`) and
  // Infrarust met `...` in the wild. Leading dots stay: no client sends them.
  while (start < end && isAsciiWhitespace(raw.charCodeAt(start))) start++
  while (end > start && isTrailingJunk(raw.charCodeAt(end - 1))) end--

  // 3. Port. `[v6]:port` and `[v6]` unwrap to `v6`. Otherwise only a string with exactly one
  // colon has a port: with two or more it is a bare IPv6 literal (`::1`, `2001:db8::25565`)
  // whose last group cannot be told from a port, so it is left whole.
  if (start < end && raw.charCodeAt(start) === 0x5b /* [ */) {
    const close = raw.indexOf("]", start)
    if (close >= 0 && close < end && looksLikeIpv6(raw, start + 1, close)) {
      const bare = close + 1 === end
      if (bare || (raw.charCodeAt(close + 1) === COLON && isPort(raw, close + 2, end))) {
        start = start + 1
        end = close
      }
    }
  } else {
    let colon = -1
    let colons = 0
    for (let i = start; i < end; i++) {
      if (raw.charCodeAt(i) === COLON) {
        colon = i
        colons++
      }
    }
    if (colons === 1 && isPort(raw, colon + 1, end)) end = colon
  }

  // 4. A port may have hidden a trailing dot (`host.:25565`).
  while (end > start && isTrailingJunk(raw.charCodeAt(end - 1))) end--

  // 5. Case.
  return asciiLower(start === 0 && end === raw.length ? raw : raw.slice(start, end))
}

/** True when every char is ASCII; config validation can use it to ask for the punycode form. */
export const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return false
  }
  return true
}
