import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { ADDON_PATH_ENV, addonPath, DEFAULT_ADDON_PATH, isAvailable, loadError } from "../../src/native/Addon.ts"
import { startSplice } from "../../src/relay/splice/Splice.ts"
import { SpliceStartError } from "../../src/native/SpliceStartError.ts"
import { ensureAddon, fdCount, threadCount, waitFor } from "../relay/splice/rig.ts"

const addon = ensureAddon()
const MISSING = "/nonexistent/infrarust/zero_copy.node"
const program = (name: string) => fileURLToPath(new URL(`../relay/splice/programs/${name}`, import.meta.url))

const runChild = (args: Array<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, args, { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : child.exitCode, stdout, stderr }))
  })

describe("zero_copy addon loading", () => {
  it("is available on this Linux machine", () => {
    assert.isTrue(isAvailable())
    assert.isUndefined(loadError())
    assert.strictEqual(addon.pipeCapacity, 64 * 1024)
  })

  it("falls back with an error value when the addon cannot be loaded (explicit path)", async () => {
    assert.isFalse(isAvailable(MISSING))
    const why = loadError(MISSING)
    assert.instanceOf(why, SpliceStartError)
    assert.strictEqual(why?.reason, "Unavailable")
    assert.include(why?.message ?? "", MISSING)

    // The sockets are left untouched, so the caller can relay them in userspace.
    const server = Net.createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const accepted = new Promise<Net.Socket>((r) => server.once("connection", r))
    const client = Net.connect({ port: (server.address() as Net.AddressInfo).port, host: "127.0.0.1" })
    await new Promise((r) => client.once("connect", r))
    const near = await accepted
    let called = false
    const started = startSplice(near, client, { addonPath: MISSING }, () => (called = true))
    assert.instanceOf(started, SpliceStartError)
    client.write("still mine")
    const got = await new Promise<string>((r) => near.once("data", (d: Buffer) => r(d.toString())))
    assert.strictEqual(got, "still mine")
    assert.isFalse(called)
    client.destroy()
    near.destroy()
    server.close()
  })

  it(`honours ${ADDON_PATH_ENV}`, () => {
    const saved = process.env[ADDON_PATH_ENV]
    process.env[ADDON_PATH_ENV] = MISSING
    try {
      assert.strictEqual(addonPath(), MISSING)
      assert.isFalse(isAvailable())
    } finally {
      if (saved === undefined) delete process.env[ADDON_PATH_ENV]
      else process.env[ADDON_PATH_ENV] = saved
    }
    assert.strictEqual(addonPath(), saved ?? DEFAULT_ADDON_PATH)
    assert.isTrue(isAvailable())
  })

  it("keeps the process alive only while a pair runs", async () => {
    const done = await runChild([program("RelayThenIdle.ts")])
    assert.strictEqual(done.code, 0, done.stderr)
    assert.strictEqual(JSON.parse(done.stdout).result.reason, "client_closed")
    const held = await runChild([program("RelayThenIdle.ts"), "hold"])
    assert.strictEqual(held.code, 0, held.stderr)
    const out = JSON.parse(held.stdout)
    assert.strictEqual(out.result.reason, "cancelled")
    assert.isAtLeast(out.at, 1000)
  })

  it("survives a worker terminated mid-relay: its thread stops and its descriptors close", async () => {
    const fds = fdCount()
    const threads = threadCount()
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(program("WorkerPair.ts"))
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve())
        worker.once("error", reject)
      })
      await worker.terminate()
    }
    await waitFor("worker descriptors to close", () => fdCount() <= fds)
    await waitFor("worker threads to end", () => threadCount() <= threads)
    assert.strictEqual(fdCount(), fds)
  })
})
