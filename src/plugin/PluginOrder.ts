/**
 * The order plugins load in: a topological sort of their dependencies, stable in the order the
 * configuration lists them (a plugin loads after everything it depends on, and otherwise where
 * it was listed). Duplicate ids and dependency cycles are errors that name the plugins involved;
 * a plugin whose dependency is missing (or itself cannot load) is left out, with the reason.
 */
export interface PluginNode {
  readonly id: string
  /** Where it came from, for messages (the module path). */
  readonly source: string
  readonly dependencies: ReadonlyArray<string>
}

export type PluginOrder =
  | { readonly _tag: "Ordered"; readonly order: ReadonlyArray<string>; readonly skipped: ReadonlyArray<{ readonly id: string; readonly reason: string }> }
  | { readonly _tag: "Invalid"; readonly message: string }

export const orderPlugins = (nodes: ReadonlyArray<PluginNode>): PluginOrder => {
  const byId = new Map<string, PluginNode>()
  for (const node of nodes) {
    const other = byId.get(node.id)
    if (other !== undefined) return { _tag: "Invalid", message: `duplicate plugin id '${node.id}': declared by ${other.source} and by ${node.source}` }
    byId.set(node.id, node)
  }
  const order: Array<string> = []
  const skipped: Array<{ id: string; reason: string }> = []
  const state = new Map<string, "visiting" | "done" | "skipped">()
  const stack: Array<string> = []
  let cycle: ReadonlyArray<string> | undefined

  /** True when `id` is (now) in `order`. */
  const visit = (id: string): boolean => {
    const seen = state.get(id)
    if (seen === "done") return true
    if (seen === "skipped") return false
    if (seen === "visiting") {
      cycle ??= [...stack.slice(stack.indexOf(id)), id]
      return false
    }
    const node = byId.get(id)!
    state.set(id, "visiting")
    stack.push(id)
    let missing: string | undefined
    for (const dependency of node.dependencies) {
      if (!byId.has(dependency)) missing ??= `it depends on '${dependency}', which is not loaded`
      else if (!visit(dependency)) missing ??= `it depends on '${dependency}', which could not load`
      if (cycle !== undefined) break
    }
    stack.pop()
    if (missing !== undefined) {
      state.set(id, "skipped")
      skipped.push({ id, reason: missing })
      return false
    }
    state.set(id, "done")
    order.push(id)
    return true
  }
  for (const node of nodes) {
    visit(node.id)
    if (cycle !== undefined) return { _tag: "Invalid", message: `plugin dependency cycle: ${cycle.join(" → ")}` }
  }
  return { _tag: "Ordered", order, skipped }
}
