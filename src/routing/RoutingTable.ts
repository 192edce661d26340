/**
 * The immutable routing table: which server answers a handshake host. Built once per config
 * snapshot by {@link make}, swapped whole by the Router service, and read without locks.
 *
 * Precedence (deterministic, independent of the order entries are given in):
 * 1. an exact domain beats any wildcard;
 * 2. among wildcards, more literal (non-`*`/`?`) characters win;
 * 3. ties go to the entry whose `file` sorts first (plain code-unit string order, so
 *    `"10-a.toml"` < `"9-b.toml"`: zero-pad numeric prefixes), then to the smaller `id`, then to
 *    the domain's position in the entry's `domains` list.
 * The same order picks the winner when two entries claim one exact domain or one identical
 * wildcard; such claims are reported in `conflicts` for the caller to log.
 *
 * Generic over the entry payload `S`, so this module does not depend on the config schema.
 */
import * as DomainPattern from "./DomainPattern.ts"
import { isAscii, MAX_ROUTABLE_HOST_LENGTH, normalizeHost } from "./HostName.ts"
import * as WildcardIndex from "./WildcardIndex.ts"

export interface RoutingEntry<S> {
  readonly id: string
  /** Sort key for precedence ties: the server file name, e.g. `"10-survival.toml"`. */
  readonly file: string
  /** Domains as configured; normalised with `normalizeHost` when the table is built. */
  readonly domains: ReadonlyArray<string>
  readonly value: S
}

export interface EntryRef {
  readonly id: string
  readonly file: string
}

export interface Match<S> {
  readonly entry: RoutingEntry<S>
  readonly kind: "exact" | "wildcard"
  /** The normalised configured domain that matched, e.g. `"*.example.com"`. */
  readonly pattern: string
  /** The normalised host that was looked up. */
  readonly host: string
}

/** A wildcard in precedence order, with the entry that owns it. */
export interface WildcardRoute<S> {
  readonly pattern: DomainPattern.WildcardPattern
  readonly entry: RoutingEntry<S>
}

/** Two or more entries claim the same exact domain or the same wildcard pattern. */
export interface DomainConflict {
  readonly _tag: "DomainConflict"
  readonly kind: "exact" | "wildcard"
  readonly domain: string
  readonly winner: EntryRef
  /** The other claimants, in precedence order; they never receive this domain. */
  readonly shadowed: ReadonlyArray<EntryRef>
}

/**
 * A configured domain that was skipped or is unlikely to match, or an id used twice (so `get`
 * returns the first in precedence order). These do not stop the table from being built.
 */
export type RoutingWarning =
  | { readonly _tag: "EmptyDomain"; readonly entry: EntryRef; readonly raw: string }
  | { readonly _tag: "DomainTooLong"; readonly entry: EntryRef; readonly domain: string }
  | { readonly _tag: "NonAsciiDomain"; readonly entry: EntryRef; readonly domain: string }
  | { readonly _tag: "DuplicateId"; readonly id: string; readonly files: ReadonlyArray<string> }

export interface RoutingTable<S> {
  /** Entries in precedence order (file, then id). */
  readonly entries: ReadonlyArray<RoutingEntry<S>>
  readonly size: number
  /** Normalised exact domain → owning entry. */
  readonly exact: ReadonlyMap<string, RoutingEntry<S>>
  /** Wildcards in precedence order (first match wins). */
  readonly wildcards: ReadonlyArray<WildcardRoute<S>>
  readonly byId: ReadonlyMap<string, RoutingEntry<S>>
  /** The same wildcards indexed by host suffix; resolves exactly like a scan of `wildcards`. */
  readonly wildcardIndex: WildcardIndex.WildcardIndex<WildcardRoute<S>>
}

export interface Built<S> {
  readonly table: RoutingTable<S>
  readonly conflicts: ReadonlyArray<DomainConflict>
  readonly warnings: ReadonlyArray<RoutingWarning>
}

// Code-unit order, never localeCompare: the order must not depend on the host's locale.
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const compareEntries = (a: RoutingEntry<unknown>, b: RoutingEntry<unknown>): number =>
  compareStrings(a.file, b.file) || compareStrings(a.id, b.id)

const ref = (e: RoutingEntry<unknown>): EntryRef => ({ id: e.id, file: e.file })

/** One claim of a domain by an entry; `rank` is the entry's index in precedence order. */
interface Claim<S, P extends DomainPattern.DomainPattern> {
  readonly pattern: P
  readonly entry: RoutingEntry<S>
  readonly rank: number
  /** Index of the domain in the entry's `domains` list. */
  readonly position: number
}

type AnyClaim = Claim<unknown, DomainPattern.DomainPattern>

const compareClaims = (a: AnyClaim, b: AnyClaim): number => a.rank - b.rank || a.position - b.position

/** Groups claims by normalised domain, keeps the first in precedence order, reports the rest. */
const pickWinners = <S, P extends DomainPattern.DomainPattern>(
  claims: ReadonlyArray<Claim<S, P>>,
  kind: "exact" | "wildcard",
  conflicts: Array<DomainConflict>
): Array<Claim<S, P>> => {
  const byDomain = new Map<string, Array<Claim<S, P>>>()
  for (const c of claims) {
    const group = byDomain.get(c.pattern.source)
    if (group) group.push(c)
    else byDomain.set(c.pattern.source, [c])
  }
  const winners: Array<Claim<S, P>> = []
  for (const [domain, group] of byDomain) {
    group.sort(compareClaims)
    const [winner, ...rest] = group
    if (!winner) continue
    winners.push(winner)
    // Several claims by the one entry (`a.com` and `A.com.`) are a harmless repeat, not a conflict.
    const others = rest.filter((c) => c.entry !== winner.entry)
    const shadowed = [...new Set(others.map((c) => c.entry))].map(ref)
    if (shadowed.length > 0) {
      conflicts.push({ _tag: "DomainConflict", kind, domain, winner: ref(winner.entry), shadowed })
    }
  }
  return winners
}

/**
 * Builds a table. Never fails: unusable domains become `warnings`, competing claims become
 * `conflicts` (both sorted by domain for stable logs), and the table still routes every
 * domain to its deterministic winner.
 */
export const make = <S>(input: Iterable<RoutingEntry<S>>): Built<S> => {
  const entries = Object.freeze([...input].sort(compareEntries))
  const warnings: Array<RoutingWarning> = []
  const exactClaims: Array<Claim<S, DomainPattern.ExactPattern>> = []
  const wildcardClaims: Array<Claim<S, DomainPattern.WildcardPattern>> = []
  const byId = new Map<string, RoutingEntry<S>>()
  const filesById = new Map<string, Array<string>>()

  entries.forEach((entry, rank) => {
    if (!byId.has(entry.id)) byId.set(entry.id, entry)
    const files = filesById.get(entry.id)
    if (files) files.push(entry.file)
    else filesById.set(entry.id, [entry.file])

    entry.domains.forEach((raw, position) => {
      const domain = normalizeHost(raw)
      if (domain.length === 0) {
        warnings.push({ _tag: "EmptyDomain", entry: ref(entry), raw })
        return
      }
      if (domain.length > MAX_ROUTABLE_HOST_LENGTH) {
        // resolve() never looks up a host this long, so the domain could never match.
        warnings.push({ _tag: "DomainTooLong", entry: ref(entry), domain })
        return
      }
      // Kept, but clients send punycode (xn--…), so a Unicode domain will rarely match.
      if (!isAscii(domain)) warnings.push({ _tag: "NonAsciiDomain", entry: ref(entry), domain })
      const pattern = DomainPattern.fromNormalized(domain)
      if (pattern._tag === "Exact") exactClaims.push({ pattern, entry, rank, position })
      else wildcardClaims.push({ pattern, entry, rank, position })
    })
  })
  for (const [id, files] of filesById) {
    if (files.length > 1) warnings.push({ _tag: "DuplicateId", id, files })
  }

  const conflicts: Array<DomainConflict> = []
  const exact = new Map<string, RoutingEntry<S>>()
  for (const c of pickWinners(exactClaims, "exact", conflicts)) exact.set(c.pattern.source, c.entry)

  const wildcards = pickWinners(wildcardClaims, "wildcard", conflicts)
    .sort((a, b) => b.pattern.specificity - a.pattern.specificity || compareClaims(a, b))
    .map((c): WildcardRoute<S> => ({ pattern: c.pattern, entry: c.entry }))

  conflicts.sort((a, b) => compareStrings(a.domain, b.domain) || compareStrings(a.kind, b.kind))
  const table: RoutingTable<S> = Object.freeze({
    entries,
    size: entries.length,
    exact,
    wildcards: Object.freeze(wildcards),
    byId,
    wildcardIndex: WildcardIndex.make(wildcards)
  })
  return { table, conflicts, warnings }
}

/** A table with no entries: every lookup misses. */
export const empty = <S>(): RoutingTable<S> => make<S>([]).table

/**
 * Looks up a host that already went through `normalizeHost` (the Router normalises once, so
 * it can log the key on a miss). Hosts longer than 255 chars never match: that keeps the
 * wildcard scan bounded for hostile handshakes and mirrors the protocol's own limit.
 */
export const resolveNormalized = <S>(table: RoutingTable<S>, host: string): Match<S> | undefined => {
  if (host.length > MAX_ROUTABLE_HOST_LENGTH) return undefined
  const hit = table.exact.get(host)
  if (hit) return { entry: hit, kind: "exact", pattern: host, host }
  const w = WildcardIndex.first(table.wildcardIndex, host)
  return w && { entry: w.entry, kind: "wildcard", pattern: w.pattern.source, host }
}

/** Normalises a raw handshake host (FML, TCPShield, port, case…) and looks it up. */
export const resolve = <S>(table: RoutingTable<S>, rawHost: string): Match<S> | undefined =>
  resolveNormalized(table, normalizeHost(rawHost))

/** The entry with this id (the first in precedence order if an id was used twice). */
export const get = <S>(table: RoutingTable<S>, id: string): RoutingEntry<S> | undefined => table.byId.get(id)

/** One log line per conflict or warning, so every caller words them the same way. */
export const formatIssue = (issue: DomainConflict | RoutingWarning): string => {
  const at = (e: EntryRef) => `'${e.id}' (${e.file})`
  switch (issue._tag) {
    case "DomainConflict":
      return `${issue.kind} domain '${issue.domain}' is claimed by ${
        [issue.winner, ...issue.shadowed].map(at).join(", ")
      }; ${at(issue.winner)} wins (earliest file name)`
    case "EmptyDomain":
      return `server ${at(issue.entry)}: domain '${issue.raw}' is empty after normalisation; ignored`
    case "DomainTooLong":
      return `server ${at(issue.entry)}: domain '${issue.domain.slice(0, 40)}…' is longer than ` +
        `${MAX_ROUTABLE_HOST_LENGTH} characters; ignored`
    case "NonAsciiDomain":
      return `server ${at(issue.entry)}: domain '${issue.domain}' is not ASCII; clients send ` +
        `internationalised names as punycode (xn--…), write it that way`
    case "DuplicateId":
      return `server id '${issue.id}' is used by ${issue.files.join(", ")}; lookups by id return the first`
  }
}
