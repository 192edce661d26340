/**
 * docs/builtin-plugins.md: every TOML block loads with no warnings (test/config/DocPages.test.ts),
 * and each plugin's settings block is accepted by that plugin with the values the page shows as
 * defaults (so the page and the code cannot drift apart).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import { parseProxyConfig, parseServerConfig } from "../../../src/config/ConfigLoader.ts"
import { decodeAuthSettings } from "../../../src/plugins/builtin/AuthSettings.ts"
import { QUEUE_MESSAGES, QueueSettings } from "../../../src/plugins/builtin/QueuePlugin.ts"
import { decodeWakeSettings } from "../../../src/plugins/builtin/WakeSettings.ts"
import { docBlock } from "../../support/DocBlocks.ts"

const pluginConfig = (block: string, id: string) => {
  const parsed = parseProxyConfig(docBlock("builtin-plugins.md", block), "infrarust.toml")
  if (Result.isFailure(parsed)) return assert.fail(parsed.failure.message)
  assert.deepStrictEqual(parsed.success.warnings, [])
  return parsed.success.config.plugins[id]!.config
}

describe("docs/builtin-plugins.md", () => {
  it("the server file lists the three handlers", () => {
    const parsed = parseServerConfig(docBlock("builtin-plugins.md", "builtin-server"), "survival.toml", "survival")
    if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
    else assert.deepStrictEqual(parsed.success.config.limboHandlers, ["auth", "queue", "server_wake"])
  })

  it.effect("server_wake: the block is the defaults", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* decodeWakeSettings(pluginConfig("server-wake-config", "server_wake")), yield* decodeWakeSettings({}))
    }))

  it.effect("queue: the messages are the defaults", () =>
    Effect.gen(function*() {
      const settings = yield* Schema.decodeUnknownEffect(QueueSettings)(pluginConfig("queue-config", "queue"))
      assert.deepStrictEqual(settings.messages, QUEUE_MESSAGES)
      assert.strictEqual(settings.refresh_seconds, 2)
    }))

  it.effect("auth: the block is the defaults (premium_lookup and its table included), plus premium_names", () =>
    Effect.gen(function*() {
      const shown = yield* decodeAuthSettings(pluginConfig("auth-config", "auth"))
      const defaults = yield* decodeAuthSettings({})
      assert.deepStrictEqual({ ...shown, premiumNames: [...shown.premiumNames] }, { ...defaults, premiumNames: ["notch"] })
    }))

  it.effect("a mistake fails the plugin's settings", () =>
    Effect.gen(function*() {
      assert.isTrue(Result.isFailure(yield* Effect.result(decodeWakeSettings({ timing: { start_timeout_seconds: -1 } }))))
      assert.isTrue(Result.isFailure(yield* Effect.result(decodeAuthSettings({ security: { max_login_attempts: 0 } }))))
      assert.isTrue(Result.isFailure(yield* Effect.result(Schema.decodeUnknownEffect(QueueSettings)({ priority: "Notch" }))))
    }))
})
