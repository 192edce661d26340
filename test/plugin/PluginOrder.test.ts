/**
 * The plugin load order: dependencies first, otherwise the order of the configuration; duplicate
 * ids and cycles are errors that name what is involved; a missing dependency leaves its plugin
 * (and whatever depends on it) out with the reason.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { orderPlugins, type PluginNode } from "../../src/plugin/PluginOrder.ts"

const node = (id: string, ...dependencies: Array<string>): PluginNode => ({ id, source: `${id}.ts`, dependencies })

describe("orderPlugins", () => {
  it("dependencies load first; otherwise the configured order holds", () => {
    const r = orderPlugins([node("queue", "auth"), node("motd"), node("auth", "storage"), node("storage")])
    assert.deepStrictEqual(r, { _tag: "Ordered", order: ["storage", "auth", "queue", "motd"], skipped: [] })
  })

  it("duplicate ids name both sources", () =>
    assert.deepStrictEqual(orderPlugins([node("a"), { id: "a", source: "other.ts", dependencies: [] }]), {
      _tag: "Invalid",
      message: "duplicate plugin id 'a': declared by a.ts and by other.ts"
    }))

  it("a cycle is named from where it closes", () =>
    assert.deepStrictEqual(orderPlugins([node("x"), node("a", "b"), node("b", "c"), node("c", "a")]), {
      _tag: "Invalid",
      message: "plugin dependency cycle: a → b → c → a"
    }))

  it("a missing dependency leaves its plugin and its dependents out, with reasons", () =>
    assert.deepStrictEqual(orderPlugins([node("top", "mid"), node("mid", "gone"), node("free")]), {
      _tag: "Ordered",
      order: ["free"],
      skipped: [
        { id: "mid", reason: "it depends on 'gone', which is not loaded" },
        { id: "top", reason: "it depends on 'mid', which could not load" }
      ]
    }))

  it("property: every ordered plugin comes after its dependencies, and every plugin is ordered or skipped", () =>
    fc.assert(fc.property(
      // An acyclic graph: plugin i may only depend on plugins with a smaller index, listed in any order.
      fc.integer({ min: 1, max: 12 }).chain((n) =>
        fc.tuple(
          fc.array(fc.subarray(Array.from({ length: n }, (_, i) => i)), { minLength: n, maxLength: n }),
          fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n })
        )
      ),
      ([deps, listing]) => {
        const nodes = listing.map((i) => node(`p${i}`, ...deps[i]!.filter((d) => d < i).map((d) => `p${d}`)))
        const r = orderPlugins(nodes)
        if (r._tag !== "Ordered") return false
        const at = new Map(r.order.map((id, k) => [id, k]))
        return r.skipped.length === 0 && r.order.length === nodes.length &&
          nodes.every((n) => n.dependencies.every((d) => at.get(d)! < at.get(n.id)!))
      }
    )))
})
