/**
 * "Compatible by name": the releases a backend's `version.name` says it speaks.
 *
 * A status response carries `version.name` (what the list shows) and `version.protocol` (what
 * the client compares with its own number: a mismatch shows the name in red, "incompatible").
 * Multi-version backends name their range: `BungeeCord 1.8.x-1.21.x`,
 * `Velocity 3.3.0 (1.7.2-1.21.4)`; single-version ones their release: `1.20.4`, `Paper 1.21.4`.
 * A client whose release is in that set is compatible with the backend whatever protocol
 * number the backend reported to another client, so the proxy may answer it with its own.
 *
 * Tokens are release names from the protocol table (`1.20.4`, `26.1`), families (`1.21.x`,
 * `1.21.*`) and ranges of either (`a-b`, `a – b`, `a to b`). Anything else (`3.3.0` of
 * Velocity, build numbers, `-SNAPSHOT`) names no release and covers nothing.
 * Pure; the name comes from a backend, so only its first {@link MAX_NAME_CHARS} are read.
 */
import { isKnownProtocol, releases } from "../protocol/ProtocolVersion.ts"

/** Version names are short; a longer one is read only this far. */
export const MAX_NAME_CHARS = 256

/** Inclusive protocol ranges. */
export type ProtocolRanges = ReadonlyArray<readonly [number, number]>

const TOKEN = String.raw`\d{1,3}\.\d{1,3}(?:\.(?:\d{1,3}|[xX*]))?`
const PATTERN = new RegExp(String.raw`(?<![\d.])(${TOKEN})(?:\s*(?:-|–|—|\bto\b)\s*(${TOKEN}))?(?![\d.]*\d)`, "g")

/** Release name → protocol, and family ("1.21") → [lowest, highest] protocol of its releases. */
const exact = new Map<string, number>()
const families = new Map<string, [number, number]>()
for (const release of releases) {
  for (const name of release.names) {
    exact.set(name, release.protocol)
    const family = name.split(".").slice(0, 2).join(".")
    const known = families.get(family)
    if (known === undefined) families.set(family, [release.protocol, release.protocol])
    else known[1] = Math.max(known[1], release.protocol)
  }
}

/** The protocols one token names; `asBound` reads a bare `1.21` as its family (range ends). */
const boundsOf = (token: string, asBound: boolean): readonly [number, number] | undefined => {
  const parts = token.split(".")
  const family = `${parts[0]}.${parts[1]}`
  const last = parts[2]
  if (last === "x" || last === "X" || last === "*") return families.get(family)
  const protocol = exact.get(token)
  if (last === undefined && (asBound || protocol === undefined)) return families.get(family)
  return protocol === undefined ? undefined : [protocol, protocol]
}

/** The protocol ranges `name` covers (empty when it names no known release). */
export const coveredProtocols = (name: string): ProtocolRanges => {
  const text = name.length > MAX_NAME_CHARS ? name.slice(0, MAX_NAME_CHARS) : name
  const ranges: Array<readonly [number, number]> = []
  for (const match of text.matchAll(PATTERN)) {
    const from = match[1]!
    const to = match[2]
    if (to === undefined) {
      const single = boundsOf(from, false)
      if (single !== undefined) ranges.push(single)
      continue
    }
    const low = boundsOf(from, true)
    const high = boundsOf(to, true)
    if (low !== undefined && high !== undefined && low[0] <= high[1]) ranges.push([low[0], high[1]])
  }
  return ranges
}

/** True when `protocol` is a known release inside `ranges`. */
export const rangesCover = (ranges: ProtocolRanges, protocol: number): boolean => {
  if (ranges.length === 0 || !isKnownProtocol(protocol)) return false
  for (const [low, high] of ranges) if (protocol >= low && protocol <= high) return true
  return false
}
