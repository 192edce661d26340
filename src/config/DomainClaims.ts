/**
 * Hot reload never moves a live domain (pure).
 *
 * The routing table's tie-break (the file name that sorts first wins, routing/RoutingTable.ts)
 * is deterministic, and at start-up it is the whole rule. After that, a file added (or edited)
 * while players are connected would silently take a domain from the server that serves it when
 * its name sorts earlier: a typo in a new file could send every player of a live server to the
 * wrong backend. So on every change the domains the *live* list serves stay with their owner;
 * a server that newly claims one of them is published without it, and the conflict is
 * reported (naming both files) until one of the two files gives the domain up.
 *
 * Any source of servers can run its new list through {@link holdLiveDomains} before
 * publishing: the servers directory does, and so can a merge of other sources (Docker).
 * Domains are compared as the routing table stores them: case-insensitively, without a
 * trailing dot; a wildcard claims only the identical wildcard.
 */
import type { LoadedServer } from "./ConfigLoader.ts"

export interface HeldDomain {
  /** The domain as the newcomer wrote it. */
  readonly domain: string
  /** The live server that keeps it. */
  readonly owner: { readonly id: string; readonly path: string }
  /** The server published without it. */
  readonly claimant: { readonly id: string; readonly path: string }
}

/** The key two spellings of one domain share (routing/HostName.ts normalises the same way). */
export const domainKey = (domain: string): string => domain.trim().toLowerCase().replace(/\.$/, "")

/**
 * `next` with every domain that a different server serves in `live` taken away from the
 * servers that did not serve it there, and what was taken. A domain whose owner is gone from
 * `next`, or no longer claims it, is free again.
 */
export const holdLiveDomains = (
  live: ReadonlyArray<LoadedServer>,
  next: ReadonlyArray<LoadedServer>
): { readonly servers: ReadonlyArray<LoadedServer>; readonly held: ReadonlyArray<HeldDomain> } => {
  // Owner in the live list, as the routing table picked it (the list is in precedence order).
  const liveOwner = new Map<string, LoadedServer>()
  // Claims already live stay (a shadowed claim at start-up is not a newcomer's).
  const liveClaims = new Set<string>()
  for (const server of live) {
    for (const domain of server.config.domains) {
      const key = domainKey(domain)
      liveClaims.add(`${server.id}\u0000${key}`)
      if (!liveOwner.has(key)) liveOwner.set(key, server)
    }
  }
  const nextById = new Map(next.map((s) => [s.id, s]))
  const stillClaims = (owner: LoadedServer, key: string) =>
    nextById.get(owner.id)?.config.domains.some((d) => domainKey(d) === key) === true
  const held: Array<HeldDomain> = []
  const servers = next.map((server) => {
    const kept = server.config.domains.filter((domain) => {
      const key = domainKey(domain)
      const owner = liveOwner.get(key)
      if (owner === undefined || owner.id === server.id || liveClaims.has(`${server.id}\u0000${key}`)) return true
      if (!stillClaims(owner, key)) return true
      held.push({ domain, owner: { id: owner.id, path: owner.path }, claimant: { id: server.id, path: server.path } })
      return false
    })
    return kept.length === server.config.domains.length ? server : { ...server, config: { ...server.config, domains: kept } }
  })
  return { servers, held }
}

/** The log line for one held domain. */
export const describeHeld = (h: HeldDomain): string =>
  `${h.claimant.path}: domain "${h.domain}" is already served by '${h.owner.id}' (${h.owner.path}); ` +
  `'${h.claimant.id}' does not get it while it is live there: remove it from one of the two files`
