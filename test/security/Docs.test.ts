/**
 * docs/security.md is checked against the code: its configuration examples load without
 * warnings, its bans.json example is a valid store, and the messages it quotes are the ones
 * players get.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import * as NodePath from "node:path"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { notAllowedMessage, notAllowedOnServerMessage, rateLimitedMessage, serverFullMessage } from "../../src/security/Admission.ts"
import { kickMessage } from "../../src/security/Ban.ts"
import { decodeBanFile } from "../../src/security/BanFile.ts"
import { docBlock } from "../support/DocBlocks.ts"

const doc = readFileSync(NodePath.join(import.meta.dirname, "../../docs/security.md"), "utf8")

describe("docs/security.md", () => {
  for (const name of ["rate-limit", "ban-config", "ip-filter-global", "ip-filter-server", "trusted-proxies", "limits", "file-settle"]) {
    it(`the ${name} example loads with no warnings`, () => {
      const text = docBlock("security.md", name)
      const file = (text.split("\n")[0] ?? "").replace(/^# /, "")
      const result: Result.Result<{ readonly warnings: ReadonlyArray<string> }, ConfigError> = file === "infrarust.toml"
        ? parseProxyConfig(text, file)
        : parseServerConfig(text, file, NodePath.basename(file, ".toml"), "linux")
      if (Result.isFailure(result)) assert.fail(result.failure.message)
      else assert.deepStrictEqual(result.success.warnings, [])
    })
  }

  it("the bans.json example is a valid store with every kind of target", () => {
    const decoded = decodeBanFile(docBlock("security.md", "bans-json"), 0)
    if (Result.isFailure(decoded)) assert.fail(decoded.failure)
    else {
      assert.deepStrictEqual(decoded.success.bans.map((b) => b.target.type), ["username", "uuid", "ip", "cidr"])
      assert.strictEqual(kickMessage(decoded.success.bans[0]!, 0), "Griefing spawn\n\nThis ban is permanent.")
    }
  })

  it("quotes the messages players really get", () => {
    for (const text of [
      notAllowedMessage("<address>"),
      notAllowedOnServerMessage("<address>").replace(" on this server", ""),
      rateLimitedMessage(1).replace("1 second", "N seconds"),
      serverFullMessage(20),
      "Banned by administrator",
      "This ban is permanent."
    ]) {
      assert.include(doc.replace(/\n/g, " "), text)
    }
  })
})
