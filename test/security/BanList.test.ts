/**
 * The ban list and its file: expiry and purge under a TestClock, concurrent adds, a write
 * interrupted half-way (what a kill does), hand edits, corrupt files, and a `[ban] file`
 * switch. The invariant throughout: no committed ban is ever lost, and a file is never
 * overwritten without first being read or set aside.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, FileSystem, Layer, Option, Result, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import * as NodePath from "node:path"
import type { BanConfig } from "../../src/config/GlobalTables.ts"
import { decodeBanFile } from "../../src/security/BanFile.ts"
import { readFileSync } from "node:fs"
import { type BanChange, BanList } from "../../src/security/BanList.ts"
import { captureLogs } from "../support/LogCapture.ts"

/** Waits in real time (file I/O and watchers run outside the TestClock). */
const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

const until = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, timeoutMs = 5000): Effect.Effect<void, E | Error, R> =>
  Effect.gen(function*() {
    for (let waited = 0; waited < timeoutMs; waited += 20) {
      if (yield* check) return
      yield* realSleep(20)
    }
    return yield* Effect.fail(new Error(`timed out waiting for: ${what}`))
  })

const fileBans = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const decoded = decodeBanFile(yield* fs.readFileString(path), 0)
    if (Result.isFailure(decoded)) return yield* Effect.die(new Error(`${path}: ${decoded.failure}`))
    return decoded.success
  })

/** `settle`: `file_settle` (1 s unless given). */
const settings = (file: string, overrides: Partial<BanConfig> = {}, settle: Duration.Duration = Duration.seconds(1)) =>
  Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make<BanConfig>({
      file,
      purgeInterval: Duration.seconds(300),
      enableAuditLog: true,
      ...overrides
    })
    return { ref, settings: { current: SubscriptionRef.get(ref), changes: SubscriptionRef.changes(ref), settle: Effect.succeed(settle) } }
  })

const tempStore = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  return { fs, dir, path: NodePath.join(dir, "bans.json") }
})

describe("BanList", () => {
  it.effect("a temporary ban stops matching when it expires and is purged every purge_interval", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { path } = yield* tempStore
      const { settings: s } = yield* settings(path, { purgeInterval: Duration.minutes(5) })
      yield* TestClock.setTime(1_700_000_000_000)
      const bans = yield* BanList.make(s)
      yield* bans.add({ target: { type: "username", value: "Griefer" }, reason: "griefing", duration: Duration.seconds(90), source: "alice" })
      yield* bans.add({ target: { type: "cidr", value: "10.0.0.0/8" }, source: "alice" })
      assert.isTrue(Option.isSome(yield* bans.find({ username: "gRIEFER" })), "names match in any case")
      assert.isTrue(Option.isSome(yield* bans.find({ ip: "::ffff:10.20.30.40" })), "ranges match mapped IPv4")

      yield* TestClock.adjust("89 seconds")
      assert.isTrue(Option.isSome(yield* bans.find({ username: "griefer" })))
      yield* TestClock.adjust("1 second")
      assert.isTrue(Option.isNone(yield* bans.find({ username: "griefer" })), "expired: now >= expires_at")
      assert.deepStrictEqual((yield* bans.list).map((b) => b.target.type), ["cidr"])
      assert.strictEqual((yield* fileBans(path)).bans.length, 2, "the file keeps it until the purge")

      yield* TestClock.adjust("5 minutes")
      yield* until(Effect.map(fileBans(path), (f) => f.bans.length === 1), "the purge rewrote the file")
      const audit = (yield* fileBans(path)).audit
      assert.deepStrictEqual(audit.map((a) => [a.action, a.source, a.target.value]), [
        ["ban", "alice", "Griefer"],
        ["ban", "alice", "10.0.0.0/8"],
        ["expired", "system", "Griefer"]
      ])
      assert.isTrue(logs.lines.some((l) => l.level === "Info" && l.message === "ban expired: username:Griefer"))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.effect("enable_audit_log = false records nothing (Infrarust ignores the flag)", () =>
    Effect.gen(function*() {
      const { path } = yield* tempStore
      const { settings: s } = yield* settings(path, { enableAuditLog: false })
      const bans = yield* BanList.make(s)
      yield* bans.add({ target: { type: "ip", value: "192.0.2.1" } })
      yield* bans.remove({ type: "ip", value: "192.0.2.1" })
      assert.deepStrictEqual(yield* bans.auditLog, [])
      assert.deepStrictEqual((yield* fileBans(path)).audit, [])
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.effect("announces each add and removal once it is on disk; a removal of nothing and expiry announce nothing", () =>
    Effect.gen(function*() {
      const { path } = yield* tempStore
      const { settings: s } = yield* settings(path)
      const changes: Array<BanChange> = []
      const bans = yield* BanList.make(s, undefined, (change) =>
        Effect.sync(() => {
          // The event follows the write: whoever reacts sees the file as announced.
          changes.push(change)
          assert.strictEqual(JSON.parse(readFileSync(path, "utf8")).bans.length, change._tag === "BanCreated" ? 1 : 0)
        }))
      const entry = yield* bans.add({ target: { type: "username", value: "Griefer" }, reason: "grief", source: "api" })
      assert.isFalse(yield* bans.remove({ type: "username", value: "Nobody" }))
      yield* bans.remove({ type: "username", value: "griefer" }, "console")
      assert.deepStrictEqual(changes, [
        { _tag: "BanCreated", ban: entry },
        { _tag: "BanRemoved", target: { type: "username", value: "griefer" }, source: "console" }
      ])
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.live("concurrent adds are all persisted; a restart sees every one", () =>
    Effect.gen(function*() {
      const { path } = yield* tempStore
      const { settings: s } = yield* settings(path)
      const names = Array.from({ length: 60 }, (_, i) => `player${i}`)
      yield* Effect.scoped(Effect.gen(function*() {
        const bans = yield* BanList.make(s)
        yield* Effect.forEach(
          names,
          (name, i) => bans.add({ target: { type: i % 2 === 0 ? "username" : "uuid", value: i % 2 === 0 ? name : `00000000-0000-0000-0000-${String(i).padStart(12, "0")}` } }),
          { concurrency: "unbounded" }
        )
        assert.strictEqual((yield* bans.list).length, 60)
        // Removes and adds racing each other.
        yield* Effect.all([
          bans.remove({ type: "username", value: "player0" }),
          bans.add({ target: { type: "ip", value: "203.0.113.5" } }),
          bans.remove({ type: "username", value: "PLAYER2" }),
          bans.add({ target: { type: "ip", value: "203.0.113.6" } })
        ], { concurrency: "unbounded" })
      }))
      const onDisk = yield* fileBans(path)
      assert.strictEqual(onDisk.bans.length, 60)
      assert.strictEqual(onDisk.audit.length, 64)
      // A "restart": a new ban list from the same file.
      yield* Effect.scoped(Effect.gen(function*() {
        const bans = yield* BanList.make(s)
        assert.strictEqual((yield* bans.list).length, 60)
        assert.isTrue(Option.isSome(yield* bans.find({ ip: "203.0.113.6" })))
        assert.isTrue(Option.isNone(yield* bans.find({ username: "player2" })))
      }))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.live("a write cut off half-way (a kill) leaves the previous file whole; nothing committed is lost", () =>
    Effect.gen(function*() {
      const { path, fs } = yield* tempStore
      const { settings: s } = yield* settings(path)
      let cutWrites = false
      // The file system as a killed process would leave it: half of the temp file written, then nothing.
      const cutting = FileSystem.FileSystem.of({
        ...fs,
        open: (file, options) =>
          Effect.map(fs.open(file, options), (handle) => {
            if (!cutWrites) return handle
            const cut = Object.create(handle) as typeof handle
            return Object.assign(cut, {
              writeAll: (bytes: Uint8Array) => Effect.andThen(handle.writeAll(bytes.subarray(0, bytes.length >> 1)), Effect.never)
            })
          })
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const bans = yield* BanList.make(s)
        yield* bans.add({ target: { type: "username", value: "kept1" } })
        yield* bans.add({ target: { type: "username", value: "kept2" }, reason: "x" })
        const before = yield* fs.readFileString(path)
        cutWrites = true
        const interrupted = yield* bans.add({ target: { type: "username", value: "cut" } }).pipe(Effect.timeoutOption("300 millis"))
        cutWrites = false
        assert.isTrue(Option.isNone(interrupted), "the write never finished")
        assert.strictEqual(yield* fs.readFileString(path), before, "bans.json is untouched")
        const torn = yield* fs.readFileString(`${path}.tmp`)
        assert.isTrue(Result.isFailure(decodeBanFile(torn, 0)), "the torn temp file is what the kill left")
        assert.isTrue(Option.isNone(yield* bans.find({ username: "cut" })), "an uncommitted ban is not in effect")
        // The list keeps working: the next write replaces the stale temp file.
        yield* bans.add({ target: { type: "username", value: "after" } })
      }).pipe(Effect.provideService(FileSystem.FileSystem, cutting)))
      yield* Effect.scoped(Effect.gen(function*() {
        const restarted = yield* BanList.make(s)
        assert.deepStrictEqual((yield* restarted.list).map((b) => b.target.value), ["kept1", "kept2", "after"])
      }))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.live("a hand edit is picked up and audited; our own writes are not mistaken for one", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { path, fs, dir } = yield* tempStore
      const { settings: s } = yield* settings(path)
      const bans = yield* BanList.make(s)
      yield* bans.add({ target: { type: "username", value: "alpha" }, source: "console" })
      yield* bans.add({ target: { type: "username", value: "beta" }, source: "console" })
      yield* realSleep(300)
      assert.isFalse(logs.lines.some((l) => l.message.includes("was edited")), "own writes are not hand edits")

      // An editor saves: write a temporary file, rename it over bans.json.
      const edited = JSON.parse(yield* fs.readFileString(path)) as { bans: Array<unknown> }
      edited.bans = [
        edited.bans[0],
        { target: { type: "uuid", value: "069a79f444e94726a5befca90e38aaf5" }, reason: "by hand", expires_at: null, created_at: 1, source: "ops" }
      ]
      yield* fs.writeFileString(NodePath.join(dir, ".bans.json.swp"), JSON.stringify(edited))
      yield* fs.rename(NodePath.join(dir, ".bans.json.swp"), path)
      yield* until(Effect.map(bans.find({ uuid: "069A79F4-44E9-4726-A5BE-FCA90E38AAF5" }), Option.isSome), "the UUID ban from the hand edit")
      assert.isTrue(Option.isNone(yield* bans.find({ username: "beta" })), "the ban removed by hand is lifted")
      const audit = (yield* bans.auditLog).slice(-2).map((a) => [a.action, a.source, a.target.value])
      assert.deepStrictEqual(audit, [["ban", "file", "069a79f4-44e9-4726-a5be-fca90e38aaf5"], ["unban", "file", "beta"]])
      yield* until(Effect.map(fileBans(path), (f) => f.audit.length === 4), "the audit entries written back")
      assert.isTrue(logs.lines.some((l) => l.level === "Info" && l.message.includes("was edited: 1 ban(s) added or changed, 1 lifted")))

      // An add right after a hand edit (before the watcher fired) merges it instead of overwriting it.
      const again = JSON.parse(yield* fs.readFileString(path)) as { bans: Array<unknown> }
      again.bans.push({ target: { type: "ip", value: "198.51.100.77" }, created_at: 1, source: "ops" })
      yield* fs.writeFileString(path, JSON.stringify(again))
      yield* bans.add({ target: { type: "username", value: "gamma" } })
      const merged = (yield* fileBans(path)).bans.map((b) => b.target.value)
      assert.includeMembers(merged, ["alpha", "069a79f4-44e9-4726-a5be-fca90e38aaf5", "198.51.100.77", "gamma"])
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("a corrupt file at start-up stops start-up (fail closed) and is left where it is", () =>
    Effect.gen(function*() {
      const { path, fs } = yield* tempStore
      const { settings: s } = yield* settings(path, {}, Duration.millis(100))
      const corrupt = `{"bans": [ {"target": {"type": "ip", "value": "1.2.3.4"}`
      yield* fs.writeFileString(path, corrupt)
      const error = yield* Effect.flip(Effect.scoped(BanList.make(s)))
      assert.strictEqual(error._tag, "BanStoreError")
      assert.include(error.message, "not valid JSON")
      assert.include(error.message, "the proxy does not start with a corrupt ban file")
      assert.strictEqual(yield* fs.readFileString(path), corrupt, "the file is not moved or changed")
      assert.isFalse(yield* fs.exists(`${path}.bak`))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.live("a ban file written in two halves a few hundred ms apart is read whole: the new ban applies, nothing is set aside", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { path, fs, dir } = yield* tempStore
      const { settings: s } = yield* settings(path)
      const bans = yield* BanList.make(s)
      yield* bans.add({ target: { type: "username", value: "old" } })
      const text = JSON.stringify({
        bans: [
          { target: { type: "username", value: "old" }, reason: null, expires_at: null, created_at: 1, source: "console" },
          { target: { type: "username", value: "Newcomer" }, reason: "spam", expires_at: null, created_at: 1, source: "admin" }
        ]
      }, null, 2)
      // An in-place rewrite: the first half, a pause, the rest.
      const half = Math.floor(text.length / 2)
      yield* fs.writeFileString(path, text.slice(0, half))
      yield* realSleep(400)
      yield* fs.writeFileString(path, text)
      yield* until(Effect.map(bans.find({ username: "newcomer" }), Option.isSome), "the new ban", 8000)
      assert.isTrue(Option.isSome(yield* bans.find({ username: "old" })))
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).filter((n) => n.endsWith(".bak")), [], "nothing set aside")
      assert.isFalse(logs.lines.some((l) => l.level === "Error"), "no error")
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("a corrupt edit is set aside as .bak (never overwritten) only once a settled re-read fails too; the bans in memory stay", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { path, fs } = yield* tempStore
      const { settings: s } = yield* settings(path, {}, Duration.millis(200))
      yield* fs.writeFileString(path, `{"bans": []}`)
      const bans = yield* BanList.make(s)
      yield* fs.writeFileString(`${path}.bak`, "an older .bak")

      yield* bans.add({ target: { type: "username", value: "keeper" } })
      // A broken hand edit: the valid bans in memory are written back, the broken text kept aside.
      yield* fs.writeFileString(path, `{"bans":[{"target":{"type":"ip","value":"999.1.1.1"}}]}`)
      yield* until(
        Effect.map(fs.readDirectory(NodePath.dirname(path)), (names) => names.filter((n) => n.endsWith(".bak")).length === 2),
        "a second .bak (the first is never overwritten)"
      )
      yield* until(Effect.map(fileBans(path).pipe(Effect.orElseSucceed(() => ({ bans: [] as Array<unknown> }))), (f) => f.bans.length === 1), "written back")
      assert.isTrue(Option.isSome(yield* bans.find({ username: "keeper" })))
      assert.strictEqual(yield* fs.readFileString(`${path}.bak`), "an older .bak")
      assert.isTrue(logs.lines.some((l) => l.level === "Error" && l.message.includes("bans[0].target") && l.message.includes("1 ban(s) in memory are kept")))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("a deleted file is written back; [ban] file can be switched live, the bans in memory carried over", () =>
    Effect.gen(function*() {
      const { path, fs, dir } = yield* tempStore
      const { ref, settings: s } = yield* settings(path, {}, Duration.millis(100))
      const bans = yield* BanList.make(s)
      yield* bans.add({ target: { type: "ip", value: "192.0.2.99" } })
      yield* fs.remove(path)
      yield* until(fs.exists(path).pipe(Effect.orElseSucceed(() => false)), "written back after deletion")
      assert.strictEqual((yield* fileBans(path)).bans.length, 1)

      const other = NodePath.join(dir, "nested", "other-bans.json")
      yield* SubscriptionRef.update(ref, (c) => ({ ...c, file: other }))
      yield* until(Effect.map(bans.path, (p) => p === other), "switched to the new file")
      yield* until(fs.exists(other).pipe(Effect.orElseSucceed(() => false)), "the carried bans written to the new file")
      assert.deepStrictEqual((yield* bans.list).map((b) => b.target.value), ["192.0.2.99"], "carried over, still in force")
      yield* bans.add({ target: { type: "username", value: "in-other" } })
      assert.strictEqual((yield* fileBans(other)).bans.length, 2)
      assert.strictEqual((yield* fileBans(path)).bans.length, 1, "the old file is left as it was")

      // Switching to a file that has bans of its own: both sets apply, its entry wins for a shared target.
      const third = NodePath.join(dir, "third.json")
      yield* fs.writeFileString(third, JSON.stringify({
        bans: [{ target: { type: "username", value: "in-other" }, reason: "from the file", expires_at: null, created_at: 1, source: "x" }]
      }))
      yield* SubscriptionRef.update(ref, (c) => ({ ...c, file: third }))
      yield* until(Effect.map(bans.path, (p) => p === third), "switched to the third file")
      yield* until(Effect.map(fileBans(third), (f) => f.bans.length === 2), "merged into the third file")
      const inOther = yield* bans.find({ username: "in-other" })
      assert.strictEqual(Option.getOrUndefined(inOther)?.reason, "from the file")
      assert.isTrue(Option.isSome(yield* bans.find({ ip: "192.0.2.99" })))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))

  it.effect("rejects bad input with a reason", () =>
    Effect.gen(function*() {
      const { path } = yield* tempStore
      const { settings: s } = yield* settings(path)
      const bans = yield* BanList.make(s)
      const error = yield* Effect.flip(bans.add({ target: { type: "ip", value: "10.0.0.0/8" } }))
      assert.include(error.message, `use a target of type "cidr"`)
      const negative = yield* Effect.flip(bans.add({ target: { type: "ip", value: "10.0.0.1" }, duration: Duration.zero }))
      assert.include(negative.message, "the duration must be positive")
      assert.isFalse(yield* bans.remove({ type: "username", value: "nobody" }))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))
})

