/**
 * Pure bookkeeping for the servers directory: which file gives which server, duplicate ids, and
 * what changed between two lists. {@link ServersDirectory} does the file IO around it.
 *
 * Invariant: the published list is ordered by file name and holds each id once; when two files
 * claim one id, the file whose name sorts first keeps it (Infrarust only warns, and its winner
 * depends on hash order).
 */
import { Equal } from "effect"
import type { LoadedServer } from "./ConfigLoader.ts"

/** What is known about one `*.toml` file. */
export interface FileEntry {
  /** The text last read, to skip re-parsing (and re-logging) unchanged files. */
  readonly text: string
  /** The last version that loaded; kept while the file is broken. */
  readonly good: LoadedServer | undefined
}

export interface DuplicateId {
  readonly id: string
  /** The file that was left out. */
  readonly file: string
  /** The file that keeps the id. */
  readonly keptFile: string
}

/** The servers of the known files, by file name, each id once (first file name wins). */
export const assembleServers = (
  entries: ReadonlyMap<string, FileEntry>
): { readonly servers: ReadonlyArray<LoadedServer>; readonly duplicates: ReadonlyArray<DuplicateId> } => {
  const servers: Array<LoadedServer> = []
  const duplicates: Array<DuplicateId> = []
  const owner = new Map<string, string>()
  for (const name of [...entries.keys()].sort()) {
    const server = entries.get(name)?.good
    if (server === undefined) continue
    const kept = owner.get(server.id)
    if (kept !== undefined) {
      duplicates.push({ id: server.id, file: name, keptFile: kept })
      continue
    }
    owner.set(server.id, name)
    servers.push(server)
  }
  return { servers, duplicates }
}

export interface ServerListChange {
  readonly added: ReadonlyArray<string>
  readonly updated: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
}

/** Ids added, changed (config or file) and removed between two lists. */
export const diffServers = (
  before: ReadonlyArray<LoadedServer>,
  after: ReadonlyArray<LoadedServer>
): ServerListChange => {
  const old = new Map(before.map((s) => [s.id, s]))
  const now = new Map(after.map((s) => [s.id, s]))
  const added = after.filter((s) => !old.has(s.id)).map((s) => s.id)
  const removed = before.filter((s) => !now.has(s.id)).map((s) => s.id)
  const updated = after.filter((s) => {
    const previous = old.get(s.id)
    return previous !== undefined && !(previous.file === s.file && Equal.equals(previous.config, s.config))
  }).map((s) => s.id)
  return { added, updated, removed }
}

export const isEmptyChange = (change: ServerListChange): boolean =>
  change.added.length === 0 && change.updated.length === 0 && change.removed.length === 0

/** One log line: `servers changed: added a, b; updated c; removed d`. */
export const describeChange = (change: ServerListChange): string => {
  const parts = [
    change.added.length > 0 ? `added ${change.added.join(", ")}` : undefined,
    change.updated.length > 0 ? `updated ${change.updated.join(", ")}` : undefined,
    change.removed.length > 0 ? `removed ${change.removed.join(", ")}` : undefined
  ].filter((p) => p !== undefined)
  return `servers changed: ${parts.join("; ")}`
}

/** A discovered server's claim that a file (or API) server already holds. */
export interface DiscoveryCollision {
  readonly kind: "id" | "domain"
  /** The discovered server's id and source (e.g. `docker@mc-survival`). */
  readonly id: string
  readonly file: string
  /** The domain as the discovered server wrote it (kind `domain`). */
  readonly domain?: string | undefined
  /** The server that keeps the id or domain, and where it comes from. */
  readonly keptBy: { readonly id: string; readonly file: string }
  /** True when the discovered server is left out altogether (its id, or its every domain, is taken). */
  readonly dropped: boolean
}

/**
 * The routing key of a configured domain for collision checks: case, surrounding spaces and
 * trailing dots do not make two domains different (the router normalises the same way).
 */
const domainKey = (domain: string): string => domain.trim().toLowerCase().replace(/\.+$/, "")

/** Identifies a collision across merges, to log each only once while it lasts. */
export const collisionKey = (c: DiscoveryCollision): string => `${c.kind}\u0000${c.file}\u0000${c.id}\u0000${c.domain ?? ""}`

/**
 * Discovered servers (Docker containers) merged after the servers of files and the API, which
 * always win: a discovered server whose id is taken is left out; a domain already routed to a
 * file's server is taken off the discovered one, which is left out when no domain remains.
 * Among discovered servers, the one whose source (`file`) sorts first keeps a shared id; a
 * domain they share is the router's to settle (same rule, logged there). Deterministic: the
 * result depends on the servers, not on the order they were discovered in.
 */
export const mergeDiscovered = (
  base: ReadonlyArray<LoadedServer>,
  discovered: ReadonlyArray<LoadedServer>
): { readonly servers: ReadonlyArray<LoadedServer>; readonly collisions: ReadonlyArray<DiscoveryCollision> } => {
  const ids = new Map<string, LoadedServer>(base.map((s) => [s.id, s]))
  const domains = new Map<string, LoadedServer>()
  for (const s of base) for (const d of s.config.domains) if (!domains.has(domainKey(d))) domains.set(domainKey(d), s)
  const servers: Array<LoadedServer> = []
  const collisions: Array<DiscoveryCollision> = []
  const ordered = [...discovered].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  for (const server of ordered) {
    const owner = ids.get(server.id)
    if (owner !== undefined) {
      collisions.push({ kind: "id", id: server.id, file: server.file, keptBy: { id: owner.id, file: owner.file }, dropped: true })
      continue
    }
    const taken = server.config.domains.filter((d) => domains.has(domainKey(d)))
    const kept = server.config.domains.filter((d) => !domains.has(domainKey(d)))
    const dropped = taken.length > 0 && kept.length === 0
    for (const domain of taken) {
      const holder = domains.get(domainKey(domain))!
      collisions.push({ kind: "domain", id: server.id, file: server.file, domain, keptBy: { id: holder.id, file: holder.file }, dropped })
    }
    if (dropped) continue
    ids.set(server.id, server)
    servers.push(taken.length === 0 ? server : { ...server, config: { ...server.config, domains: kept } })
  }
  return { servers, collisions }
}

/** The log line for a collision. */
export const describeCollision = (c: DiscoveryCollision): string => {
  const holder = `'${c.keptBy.id}' (${c.keptBy.file})`
  if (c.kind === "id") return `${c.file}: server id "${c.id}" is already used by ${holder}; the container is not routed`
  const then = c.dropped ? "the container is not routed (none of its domains is free)" : "the container keeps its other domains"
  return `${c.file}: domain "${c.domain}" is already routed to ${holder}; ${then}`
}
