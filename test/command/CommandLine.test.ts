import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { matching, parseLine, partialLine, restFrom } from "../../src/command/CommandLine.ts"

describe("CommandLine", () => {
  it("splits a line into its lower-cased name and its words", () => {
    assert.deepStrictEqual(parseLine("IR  kick Bob  being rude "), { label: "ir", args: ["kick", "Bob", "being", "rude"] })
    assert.isUndefined(parseLine("   "))
  })

  it("keeps the spacing of free text after the n-th word", () => {
    assert.strictEqual(restFrom("ir kick bob  being   rude ", 3), "being   rude")
    assert.strictEqual(restFrom("ir kick", 2), "")
  })

  it("cuts a line being typed at its last space; the name itself is not completed", () => {
    assert.deepStrictEqual(partialLine("Ir s"), { words: ["ir"], partial: "s", start: 3 })
    assert.deepStrictEqual(partialLine("ir send "), { words: ["ir", "send"], partial: "", start: 8 })
    assert.isUndefined(partialLine("ir"))
    assert.isUndefined(partialLine(" "))
  })

  it("the partial word always ends the line at its start offset", () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (line) => {
      const p = partialLine(line)
      if (p !== undefined) assert.strictEqual(line.slice(p.start), p.partial)
    }))
  })

  it("keeps candidates starting with the prefix in any case, once each, sorted", () => {
    assert.deepStrictEqual(matching(["server", "send", "Survival", "list", "send"], "S"), ["send", "server", "Survival"])
  })
})
