import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"
import { inactiveSettings } from "../../src/connection/StartupReport.ts"

const global = (text: string) => Result.getOrThrow(parseProxyConfig(text, "infrarust.toml")).config
const table = (servers: Record<string, string>) =>
  RoutingTable.make(Object.entries(servers).map(([file, text]) => {
    const parsed = Result.getOrThrow(parseServerConfig(text, `servers/${file}`, file.replace(/\.toml$/, "")))
    return { id: parsed.id, file, domains: parsed.config.domains, value: { id: parsed.id, file, path: file, config: parsed.config } }
  })).table

describe("StartupReport.inactiveSettings", () => {
  it("is silent for a configuration that only uses what works", () => {
    assert.deepStrictEqual(inactiveSettings(global(""), table({ "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:1"]` })), [])
  })

  it("names every setting that is read but not acted on yet (only proxy_mode full is left)", () => {
    const lines = inactiveSettings(
      global(`[forwarding]\nmode = "velocity"\n[web]\nbind = "127.0.0.1:8080"\n[docker]\n[permissions]\nadmins = ["Notch"]`),
      table({
        "hub.toml": `domains = ["hub.test"]\naddresses = ["127.0.0.1:1"]\nproxy_mode = "client_only"\nlimbo_handlers = ["auth"]`,
        "old.toml": `domains = ["old.test"]\naddresses = ["127.0.0.1:1"]\nproxy_mode = "offline"\n[server_manager]\ntype = "local"\ncommand = "java"\nworking_dir = "/srv"`,
        "legacy.toml": `domains = ["legacy.test"]\naddresses = ["127.0.0.1:1"]\nproxy_mode = "full"`
      })
    )
    for (const works of ["[web]", "[forwarding]", "client_only", "offline", "[server_manager]", "[docker]", "[permissions]", "limbo_handlers"]) {
      assert.isFalse(lines.some((l) => l.includes(works)), `${works} works: no warning`)
    }
    for (const what of [`proxy_mode "full" of 'legacy'`]) {
      assert.isTrue(lines.some((l) => l.includes(what)), `${what} in:\n${lines.join("\n")}`)
    }
  })
})
