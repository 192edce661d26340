/**
 * docs/commands.md says what the program does: its example plugin is examples/plugins/private-messages.ts
 * word for word (test/command/ExamplePlugin.e2e.test.ts runs it with the page's configuration
 * block), and its table of `/ir` subcommands has one row per subcommand with the usage and the
 * description the proxy itself prints in `/ir help`. The page's TOML blocks are checked with the
 * other feature pages (test/config/DocPages.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { SUBCOMMANDS, usageOf } from "../../src/command/Subcommands.ts"
import { docBlock } from "../support/DocBlocks.ts"

const page = readFileSync(new URL("../../docs/commands.md", import.meta.url), "utf8")

describe("docs/commands.md", () => {
  it("shows the example plugin exactly as it is in examples/plugins/", () => {
    assert.strictEqual(docBlock("commands.md", "messages-source"), readFileSync(new URL("../../examples/plugins/private-messages.ts", import.meta.url), "utf8"))
  })

  it("lists every /ir subcommand with the usage and description /ir help prints, and whether it can be opened", () => {
    // The subcommand table's rows: four columns, the first a usage line (other tables have two).
    const rows = page.split("\n").filter((line) => line.startsWith("| `/ir ") && line.split("|").length === 6)
    assert.strictEqual(rows.length, SUBCOMMANDS.length)
    for (const spec of SUBCOMMANDS) {
      const row = rows.find((r) => r.startsWith(`| \`${usageOf(spec)}\` |`))
      assert.isDefined(row, `a row for ${usageOf(spec)}`)
      const cells = row!.split("|").map((c) => c.trim())
      assert.strictEqual(cells[3]!.startsWith("no"), spec.alwaysAdmin, `${spec.name}: can be opened`)
      assert.strictEqual(cells[4], spec.description, `${spec.name}: description`)
    }
  })
})
