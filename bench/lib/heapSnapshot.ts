/**
 * Object counts and self sizes per (type, constructor name) from a V8 `.heapsnapshot`, and the
 * difference between two snapshots per session: what one more idle session keeps alive.
 */
interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: ReadonlyArray<string>; readonly node_types: ReadonlyArray<ReadonlyArray<string> | string> } }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

export type HeapCensus = Map<string, { count: number; bytes: number }>

export const census = (snapshot: Snapshot): HeapCensus => {
  const fields = snapshot.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf("type")
  const nameAt = fields.indexOf("name")
  const sizeAt = fields.indexOf("self_size")
  const types = snapshot.snapshot.meta.node_types[0] as ReadonlyArray<string>
  const out: HeapCensus = new Map()
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!
    // Strings and numbers are keyed by type only: their "names" are their contents.
    const name = type === "object" || type === "closure" || type === "native" ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : ""
    const key = `${type} ${name}`.trim()
    const entry = out.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += snapshot.nodes[i + sizeAt]!
    out.set(key, entry)
  }
  return out
}

export interface CensusDelta {
  readonly key: string
  readonly countPerSession: number
  readonly bytesPerSession: number
}

export const perSession = (before: HeapCensus, after: HeapCensus, sessions: number): ReadonlyArray<CensusDelta> =>
  [...after].map(([key, a]) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 }
    return { key, countPerSession: (a.count - b.count) / sessions, bytesPerSession: (a.bytes - b.bytes) / sessions }
  }).sort((x, y) => y.bytesPerSession - x.bytesPerSession)
