/**
 * Self time per function from a V8 `.cpuprofile` (what `node --cpu-prof` writes): samples are
 * attributed to the node they hit, nodes are keyed by function name and source location (with
 * the checkout's path cut off, so two checkouts of the same code compare), and idle samples
 * (`(idle)`) are left out: shares are of the busy time.
 */
interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
}

export interface SelfTime {
  readonly key: string
  /** Of the busy samples. */
  readonly share: number
}

const keyOf = (node: ProfileNode, checkouts: ReadonlyArray<string>): string => {
  const { functionName, lineNumber } = node.callFrame
  let url = node.callFrame.url.replace(/^file:\/\//, "")
  for (const c of checkouts) if (url.startsWith(c)) url = url.slice(c.length + 1)
  url = url.replace(/^.*node_modules\//, "")
  return `${functionName || "(anonymous)"} ${url === "" ? "" : `${url}:${lineNumber + 1}`}`.trim()
}

export const selfTimes = (profile: CpuProfile, ...checkouts: ReadonlyArray<string>): ReadonlyArray<SelfTime> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const counts = new Map<string, number>()
  let busy = 0
  for (const id of profile.samples) {
    const node = byId.get(id)
    if (node === undefined || node.callFrame.functionName === "(idle)") continue
    busy++
    const key = keyOf(node, checkouts)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([key, n]) => ({ key, share: n / Math.max(1, busy) })).sort((a, b) => b.share - a.share)
}

/**
 * Inclusive time per source file of the project (`src/...`): the share of busy samples whose
 * stack passes through the file at least once. Shows which stage of a connection costs what,
 * where self times are spread over the runtime.
 */
export const inclusiveBySource = (profile: CpuProfile, ...checkouts: ReadonlyArray<string>): ReadonlyArray<SelfTime> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const fileOf = (node: ProfileNode): string | undefined => {
    const key = keyOf(node, checkouts)
    const at = key.lastIndexOf(" src/")
    return at < 0 ? undefined : key.slice(at + 1).replace(/:\d+$/, "")
  }
  const counts = new Map<string, number>()
  let busy = 0
  for (const id of profile.samples) {
    const leaf = byId.get(id)
    if (leaf === undefined || leaf.callFrame.functionName === "(idle)") continue
    busy++
    const files = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const file = fileOf(byId.get(at)!)
      if (file !== undefined) files.add(file)
    }
    for (const f of files) counts.set(f, (counts.get(f) ?? 0) + 1)
  }
  return [...counts].map(([key, n]) => ({ key, share: n / Math.max(1, busy) })).sort((a, b) => b.share - a.share)
}

/** Where a busy sample's own code lives: the runtime, the project, Node's JS, native code, the GC. */
export const CATEGORIES = [
  "system calls and native code",
  "Node.js (net, streams, events, timers)",
  "infrarust-ts (src/)",
  "Effect runtime",
  "garbage collector",
  "V8 other ((program))",
  "other JS (node_modules)"
] as const
export type Category = typeof CATEGORIES[number]

const categoryOf = (node: ProfileNode): Category => {
  const { functionName, url } = node.callFrame
  if (functionName === "(garbage collector)") return "garbage collector"
  if (functionName === "(program)") return "V8 other ((program))"
  if (url.includes("node_modules/effect/")) return "Effect runtime"
  if (url.includes("/src/")) return "infrarust-ts (src/)"
  if (url.startsWith("node:")) return "Node.js (net, streams, events, timers)"
  if (url === "") return "system calls and native code"
  return "other JS (node_modules)"
}

/**
 * Busy samples per category, counting only the last `windowMicros` of the profile (the
 * measured load, without start-up and warm-up); `samples` lets several threads' profiles add up.
 */
export const samplesByCategory = (
  profile: CpuProfile & { readonly timeDeltas: ReadonlyArray<number> },
  windowMicros: number
): Map<Category, number> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0)
  const out = new Map<Category, number>()
  let t = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    if (t < total - windowMicros) continue
    const node = byId.get(profile.samples[i]!)
    if (node === undefined || node.callFrame.functionName === "(idle)") continue
    const c = categoryOf(node)
    out.set(c, (out.get(c) ?? 0) + 1)
  }
  return out
}
