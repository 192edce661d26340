/**
 * [forwarding] resolved against real secret files in a temporary directory: each mode, the
 * fallback to no forwarding on an empty file (with the error naming it), Velocity auto-detection
 * without a table, and per-server overrides.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, Result } from "effect"
import * as NodePath from "node:path"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import type { ForwardingConfig } from "../../src/config/ForwardingConfig.ts"
import { resolveForwarding, serverForwardingPlan } from "../../src/forwarding/ForwardingSetup.ts"
import { captureLogs } from "../support/LogCapture.ts"

/** `[forwarding]` as the config loader decodes it from `body`, with `secret_file` in `dir`. */
const forwarding = (dir: string, body: string): ForwardingConfig => {
  const parsed = parseProxyConfig(`[forwarding]\nsecret_file = "${NodePath.join(dir, "forwarding.secret")}"\n${body}`, "infrarust.toml")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return parsed.success.config.forwarding!
}

const inTempDir = <A, E>(f: (dir: string, fs: FileSystem.FileSystem) => Effect.Effect<A, E, FileSystem.FileSystem>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    return yield* f(yield* fs.makeTempDirectoryScoped(), fs)
  })

describe("resolveForwarding", () => {
  it.effect("velocity and bungee_guard generate the missing secret and use it", () => {
    const logs = captureLogs()
    return inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const velocity = yield* resolveForwarding(forwarding(dir, `mode = "modern"`))
        const secret = yield* fs.readFileString(NodePath.join(dir, "forwarding.secret"))
        assert.deepStrictEqual(velocity, { plan: { _tag: "Velocity", secret }, velocitySecret: secret })
        assert.isTrue(logs.lines.some((l) => l.level === "Info" && l.message.includes("generated a new forwarding secret")))
        const guard = yield* resolveForwarding(forwarding(dir, `mode = "bungeeguard"`))
        assert.deepStrictEqual(guard, { plan: { _tag: "BungeeGuard", token: secret }, velocitySecret: secret })
      })
    ).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.effect("an empty secret file turns forwarding off, with an error naming the file", () => {
    const logs = captureLogs()
    return inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const path = NodePath.join(dir, "forwarding.secret")
        yield* fs.writeFileString(path, "\n")
        const setup = yield* resolveForwarding(forwarding(dir, `mode = "velocity"`))
        assert.deepStrictEqual(setup.plan, { _tag: "None" })
        assert.isUndefined(setup.velocitySecret)
        assert.strictEqual(setup.disabled?.problem, "Empty")
        const error = logs.lines.find((l) => l.level === "Error")
        assert.include(error?.message, `${path}: the forwarding secret file is empty`)
        assert.include(error?.message, "player-info forwarding (velocity) is off")
        assert.strictEqual(yield* fs.readFileString(path), "\n")
      })
    ).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.effect("bungee_cord needs no secret and warns; an existing file still enables Velocity answers", () => {
    const logs = captureLogs()
    return inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const legacy = yield* resolveForwarding(forwarding(dir, `mode = "bungeecord"`))
        assert.deepStrictEqual(legacy, { plan: { _tag: "BungeeCord" }, velocitySecret: undefined })
        assert.isFalse(yield* fs.exists(NodePath.join(dir, "forwarding.secret")))
        assert.isTrue(logs.lines.some((l) => l.level === "Warn" && l.message.includes("insecure")))
        yield* fs.writeFileString(NodePath.join(dir, "forwarding.secret"), "shared-with-paper\n")
        assert.deepStrictEqual(yield* resolveForwarding(forwarding(dir, `mode = "legacy"`)), {
          plan: { _tag: "BungeeCord" },
          velocitySecret: "shared-with-paper"
        })
        assert.deepStrictEqual(yield* resolveForwarding(forwarding(dir, "")), { plan: { _tag: "None" }, velocitySecret: "shared-with-paper" })
      })
    ).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.effect("without a [forwarding] table, ./forwarding.secret is auto-detected and never created", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const cwd = process.cwd()
      const dir = yield* fs.makeTempDirectoryScoped()
      yield* Effect.acquireRelease(Effect.sync(() => process.chdir(dir)), () => Effect.sync(() => process.chdir(cwd)))
      assert.deepStrictEqual(yield* resolveForwarding(undefined), { plan: { _tag: "None" }, velocitySecret: undefined })
      assert.isFalse(yield* fs.exists(NodePath.join(dir, "forwarding.secret")))
      yield* fs.writeFileString(NodePath.join(dir, "forwarding.secret"), "auto")
      assert.deepStrictEqual(yield* resolveForwarding(undefined), { plan: { _tag: "None" }, velocitySecret: "auto" })
      // An empty file only disables auto-detection.
      yield* fs.writeFileString(NodePath.join(dir, "forwarding.secret"), "")
      assert.deepStrictEqual(yield* resolveForwarding(undefined), { plan: { _tag: "None" }, velocitySecret: undefined })
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("serverForwardingPlan", () => {
  const velocity = { plan: { _tag: "Velocity", secret: "k" }, velocitySecret: "k" } as const
  const legacy = { plan: { _tag: "BungeeCord" }, velocitySecret: "k" } as const

  it("inherits the global plan, or overrides it with the global secret", () => {
    assert.deepStrictEqual(serverForwardingPlan(velocity, "s", undefined), { plan: velocity.plan })
    assert.deepStrictEqual(serverForwardingPlan(velocity, "s", "none"), { plan: { _tag: "None" } })
    assert.deepStrictEqual(serverForwardingPlan(velocity, "s", "bungee_cord"), { plan: { _tag: "BungeeCord" } })
    assert.deepStrictEqual(serverForwardingPlan(velocity, "s", "bungee_guard"), { plan: { _tag: "BungeeGuard", token: "k" } })
  })

  it("falls back to none when the global mode holds no secret", () => {
    const r = serverForwardingPlan(legacy, "survival", "velocity")
    assert.deepStrictEqual(r.plan, { _tag: "None" })
    assert.include(r.problem, `server 'survival' uses forwarding_mode "velocity"`)
  })
})
