/**
 * Configured domains compiled once, at table-build time, into an exact key or a wildcard
 * matcher. `*` matches any run of characters, dots included, and the empty run; `?` matches
 * exactly one character (one UTF-16 unit: routed hosts are ASCII, see `HostName.ts`). The match
 * is on the whole host, so `*.mc.example.com` matches `a.b.mc.example.com` but not
 * `mc.example.com`.
 *
 * Invariant: matching is a hand-written scan, never a RegExp built from config text, so no
 * domain can inject regex syntax, and the cost is bounded by O(host × pattern) whatever the
 * pattern. An escaped RegExp backtracks: `^.*a.*a.*a.*a.*a.*b$` takes about 0.2 s on a 64-char
 * host of `a`s and 11 s on 128 chars (Node 24), and the host is chosen by the client.
 * Hosts are capped at 255 chars by the table before they get here.
 */
import { normalizeHost } from "./HostName.ts"

export interface ExactPattern {
  readonly _tag: "Exact"
  /** The normalised domain, which is also the hash-map key. */
  readonly source: string
}

export interface WildcardPattern {
  readonly _tag: "Wildcard"
  /** The normalised pattern as written (after `normalizeHost`). */
  readonly source: string
  /** Number of literal (non-`*`, non-`?`) characters: the precedence key, higher wins. */
  readonly specificity: number
  /** Tests an already-normalised host. */
  readonly matches: (host: string) => boolean
  /** A dot-led suffix every matching host ends with (`""` when there is none), for indexing. */
  readonly suffixKey: string
}

export type DomainPattern = ExactPattern | WildcardPattern

const STAR = 0x2a
const QUESTION = 0x3f

/** True when the (normalised) domain contains `*` or `?`. Infrarust uses the same test. */
export const isWildcard = (domain: string): boolean => domain.includes("*") || domain.includes("?")

/** A run of the pattern between stars; `?` inside it matches any single character. */
interface Segment {
  readonly text: string
  readonly hasQuestion: boolean
}

const segmentAt = (host: string, pos: number, seg: Segment): boolean => {
  if (!seg.hasQuestion) return host.startsWith(seg.text, pos)
  const t = seg.text
  if (pos + t.length > host.length) return false
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c !== QUESTION && c !== host.charCodeAt(pos + i)) return false
  }
  return true
}

/** Leftmost position in [from, limit - seg.length] where `seg` matches, or -1. */
const findSegment = (host: string, from: number, limit: number, seg: Segment): number => {
  const last = limit - seg.text.length
  if (!seg.hasQuestion) {
    const at = host.indexOf(seg.text, from)
    return at >= 0 && at <= last ? at : -1
  }
  for (let pos = from; pos <= last; pos++) {
    if (segmentAt(host, pos, seg)) return pos
  }
  return -1
}

/**
 * Builds the matcher for a pattern split on `*` into `head * mid… * tail`. Every segment has a
 * fixed length (`?` is one character), so placing each middle segment at its leftmost match is
 * optimal: it leaves the most room for the rest. One pass is enough, with no backtracking.
 * The usual shapes (`*.example.com`, `mc.*`) get a closure of one or two native string calls.
 */
const compileMatcher = (pattern: string): ((host: string) => boolean) => {
  const segments: ReadonlyArray<Segment> = pattern.split("*").map((text) => ({
    text,
    hasQuestion: text.includes("?")
  }))
  const head = segments[0] ?? { text: "", hasQuestion: false }
  if (segments.length === 1) {
    // Only `?` wildcards: a fixed-length pattern.
    return (host) => host.length === head.text.length && segmentAt(host, 0, head)
  }
  const tail = segments[segments.length - 1] ?? { text: "", hasQuestion: false }
  const middle = segments.slice(1, -1).filter((s) => s.text.length > 0)
  const minLength = head.text.length + tail.text.length +
    middle.reduce((n, s) => n + s.text.length, 0)
  if (middle.length === 0 && !head.hasQuestion && !tail.hasQuestion) {
    const h = head.text
    const t = tail.text
    if (h.length === 0) return (host) => host.endsWith(t)
    if (t.length === 0) return (host) => host.startsWith(h)
    return (host) => host.length >= minLength && host.startsWith(h) && host.endsWith(t)
  }
  return (host) => {
    if (host.length < minLength) return false
    const tailAt = host.length - tail.text.length
    if (!segmentAt(host, 0, head) || !segmentAt(host, tailAt, tail)) return false
    let pos = head.text.length
    for (let i = 0; i < middle.length; i++) {
      const seg = middle[i]!
      const at = findSegment(host, pos, tailAt, seg)
      if (at < 0) return false
      pos = at + seg.text.length
    }
    return true
  }
}

/**
 * The longest literal suffix of the pattern (after its last `*` or `?`), cut to start at its
 * first dot: `*.eu.example.com` → `.eu.example.com`, `lobby-?.*-x.example.net` →
 * `.example.net`, `mc.*` → `""`. Every host the pattern matches ends with this key, and the key
 * starts at a dot of that host, which is what lets the table index wildcards by host suffix.
 */
const suffixKey = (pattern: string): string => {
  let start = pattern.length
  while (start > 0) {
    const c = pattern.charCodeAt(start - 1)
    if (c === STAR || c === QUESTION) break
    start--
  }
  const dot = pattern.indexOf(".", start)
  return dot < 0 ? "" : pattern.slice(dot)
}

const countLiterals = (pattern: string): number => {
  let n = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i)
    if (c !== STAR && c !== QUESTION) n++
  }
  return n
}

/** Compiles an already-normalised domain. */
export const fromNormalized = (domain: string): DomainPattern =>
  isWildcard(domain)
    ? {
      _tag: "Wildcard",
      source: domain,
      specificity: countLiterals(domain),
      matches: compileMatcher(domain),
      suffixKey: suffixKey(domain)
    }
    : { _tag: "Exact", source: domain }

/** Normalises a configured domain (trailing dots, case, port…) and compiles it. */
export const compile = (domain: string): DomainPattern => fromNormalized(normalizeHost(domain))

/** Tests a normalised host against a compiled pattern (exact patterns compare by equality). */
export const matches = (pattern: DomainPattern, host: string): boolean =>
  pattern._tag === "Exact" ? pattern.source === host : pattern.matches(host)
