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
