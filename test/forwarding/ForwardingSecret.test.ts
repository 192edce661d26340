/**
 * The secret file on a real file system (a temporary directory): generation, permissions,
 * trimming, the empty-file error, and concurrent creators that must agree on one secret.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Option, Result } from "effect"
import * as NodePath from "node:path"
import {
  GENERATED_SECRET_LENGTH,
  generateSecret,
  loadOrCreateForwardingSecret,
  readForwardingSecret
} from "../../src/forwarding/ForwardingSecret.ts"

const tempDir = FileSystem.FileSystem.use((fs) => fs.makeTempDirectoryScoped())

describe("forwarding secret file", () => {
  it("generates 12 uniformly drawn letters and digits", () => {
    const secrets = Array.from({ length: 200 }, generateSecret)
    for (const s of secrets) assert.match(s, /^[A-Za-z0-9]{12}$/)
    assert.strictEqual(new Set(secrets).size, secrets.length)
    // All 62 characters show up over 2400 draws (a biased or truncated alphabet would not).
    assert.strictEqual(new Set(secrets.join("")).size, 62)
    assert.strictEqual(GENERATED_SECRET_LENGTH, 12)
  })

  it.effect("creates a missing file, its parent directories, mode 0600, and reads it back the same", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = NodePath.join(yield* tempDir, "nested", "deeper", "forwarding.secret")
      const first = yield* loadOrCreateForwardingSecret(path)
      assert.isTrue(first.created)
      assert.match(first.secret, /^[A-Za-z0-9]{12}$/)
      assert.strictEqual(yield* fs.readFileString(path), first.secret)
      assert.strictEqual((yield* fs.stat(path)).mode & 0o777, 0o600)
      const again = yield* loadOrCreateForwardingSecret(path)
      assert.deepStrictEqual(again, { path, secret: first.secret, created: false })
      // No temporary file is left behind.
      assert.deepStrictEqual(yield* fs.readDirectory(NodePath.dirname(path)), ["forwarding.secret"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("reads an existing file trimmed, and never rewrites it", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = NodePath.join(yield* tempDir, "forwarding.secret")
      yield* fs.writeFileString(path, "  my-custom-secret \n")
      assert.deepStrictEqual(yield* loadOrCreateForwardingSecret(path), { path, secret: "my-custom-secret", created: false })
      assert.strictEqual(yield* fs.readFileString(path), "  my-custom-secret \n")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("an empty file is an error that names the file", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = NodePath.join(yield* tempDir, "forwarding.secret")
      yield* fs.writeFileString(path, " \n\t")
      const error = yield* Effect.flip(loadOrCreateForwardingSecret(path))
      assert.strictEqual(error.problem, "Empty")
      assert.include(error.message, `${path}: the forwarding secret file is empty`)
      assert.strictEqual((yield* Effect.flip(readForwardingSecret(path))).problem, "Empty")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("reading a missing file is None and creates nothing; an uncreatable one is an error", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* tempDir
      assert.isTrue(Option.isNone(yield* readForwardingSecret(NodePath.join(dir, "absent.secret"))))
      assert.deepStrictEqual(yield* fs.readDirectory(dir), [])
      // A parent "directory" that is a file: the secret is absent and cannot be created.
      yield* fs.writeFileString(NodePath.join(dir, "plain"), "x")
      const inFile = NodePath.join(dir, "plain", "forwarding.secret")
      assert.isTrue(Option.isNone(yield* readForwardingSecret(inFile)))
      const error = yield* Effect.flip(loadOrCreateForwardingSecret(inFile))
      assert.strictEqual(error.problem, "Unwritable")
      assert.include(error.message, `${inFile}: cannot create the forwarding secret file`)
      // A directory where the file should be cannot be read.
      yield* fs.makeDirectory(NodePath.join(dir, "dir.secret"))
      assert.strictEqual((yield* Effect.flip(readForwardingSecret(NodePath.join(dir, "dir.secret")))).problem, "Unreadable")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("concurrent creators agree on one secret, and exactly one of them wrote it", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = NodePath.join(yield* tempDir, "forwarding.secret")
      const results = yield* Effect.all(Array.from({ length: 8 }, () => Effect.result(loadOrCreateForwardingSecret(path))), { concurrency: "unbounded" })
      const secrets = results.map((r) => Result.getOrThrow(r))
      assert.strictEqual(new Set(secrets.map((s) => s.secret)).size, 1)
      assert.strictEqual(secrets.filter((s) => s.created).length, 1)
      assert.strictEqual(yield* fs.readFileString(path), secrets[0]!.secret)
      assert.deepStrictEqual(yield* fs.readDirectory(NodePath.dirname(path)), ["forwarding.secret"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
