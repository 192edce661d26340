/**
 * docs/server-manager.md is checked against the code: each provider's example server file
 * loads without errors or warnings, and the panel examples, pointed at the test panels, drive
 * a real start and stop with exactly the requests the page lists.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import { parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { type PanelFlavor, panelPeer } from "./support/Panels.ts"
import { managerLayer, recordChanges, tempDir } from "./support/Stack.ts"

const DOC = "server-manager.md"

const loads = (name: string) => {
  const text = docBlock(DOC, name)
  const parsed = parseServerConfig(text, `${name}.toml`, name)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return { text, parsed: parsed.success }
}

const stringKey = (text: string, key: string): string => {
  const match = new RegExp(`^${key} = "([^"]*)"`, "m").exec(text)
  if (match === null) throw new Error(`no ${key} in the example`)
  return match[1]!
}

describe("docs/server-manager.md", () => {
  it("every example server file loads without warnings", () => {
    for (const name of ["local", "pterodactyl", "crafty"]) {
      const { parsed } = loads(name)
      assert.deepStrictEqual(parsed.warnings, [], name)
      assert.strictEqual(parsed.config.serverManager?.type, name)
    }
  })

  for (const flavor of ["pterodactyl", "crafty"] as const satisfies ReadonlyArray<PanelFlavor>) {
    it.live(`the ${flavor} example starts and stops its server through a panel`, () =>
      Effect.gen(function*() {
        const { text } = loads(flavor)
        const key = stringKey(text, "api_key")
        const serverId = stringKey(text, "server_id")
        const panel = yield* panelPeer(flavor, { key, serverId })
        // The documented file, pointed at the test panel; poll_interval shortened so the test is quick.
        const file = text.replace(stringKey(text, "api_url"), panel.url).replace(/^poll_interval = .*$/m, "") +
          `poll_interval = "50ms"\n`
        const files = yield* tempDir({ [`${flavor}.toml`]: file })
        const id = flavor // the file name is the server id
        yield* Effect.gen(function*() {
          const manager = yield* ServerManager
          const changes = yield* recordChanges
          yield* changes.until(id, "sleeping")
          assert.strictEqual((yield* manager.ensureStarted(id))._tag, "Ready")
          yield* manager.stop(id)
          yield* changes.until(id, "sleeping")
          assert.isTrue(panel.calls.every((c) => c.authorization === `Bearer ${key}` && c.status < 300))
          assert.strictEqual(panel.count((c) => c.method === "POST"), 2)
        }).pipe(Effect.provide(managerLayer(files.dir)))
      }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))), { timeout: 20_000 })
  }
})
