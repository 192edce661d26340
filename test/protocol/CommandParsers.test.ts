/**
 * The generated parser lists: the committed file is what the generator makes of minecraft-data,
 * and the lookups answer for both eras (names before 1.19, indices after).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import { OUTPUT, renderCommandParsers } from "../../scripts/generate-command-parsers.ts"
import { parserRegistry } from "../../src/protocol/CommandParsers.ts"

describe("CommandParsers", () => {
  it("the committed lists are exactly what the generator produces from minecraft-data", () => {
    assert.strictEqual(Fs.readFileSync(OUTPUT, "utf8"), renderCommandParsers())
  })

  it("names parsers before 1.19 and numbers them after; brigadier:string is 5 in every numbered version", () => {
    const old = parserRegistry(404)!
    assert.isFalse(old.byIndex)
    assert.strictEqual(old.refOf("brigadier:string"), "brigadier:string")
    assert.strictEqual(old.shapeOf("brigadier:integer"), "range_i32")
    assert.strictEqual(old.shapeOf("minecraft:nbt_tag"), "none")
    assert.isUndefined(old.shapeOf("forge:enum"))
    for (const protocol of [759, 761, 765, 769, 775]) {
      const registry = parserRegistry(protocol)!
      assert.isTrue(registry.byIndex)
      assert.strictEqual(registry.refOf("brigadier:string"), 5)
      assert.strictEqual(registry.shapeOf(5), "varint")
      assert.isUndefined(registry.shapeOf(999))
    }
    // minecraft:time gained a minimum in 1.19.4.
    assert.strictEqual(parserRegistry(761)!.shapeOf(parserRegistry(761)!.refOf("minecraft:time")!), "none")
    assert.strictEqual(parserRegistry(762)!.shapeOf(parserRegistry(762)!.refOf("minecraft:time")!), "i32")
    assert.isUndefined(parserRegistry(340))
  })
})
