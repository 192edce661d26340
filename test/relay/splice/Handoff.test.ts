import { assert, describe, it } from "@effect/vitest"
import * as Net from "node:net"
import { checkSocket, detach } from "../../../src/relay/splice/Handoff.ts"
import { SpliceStartError } from "../../../src/native/SpliceStartError.ts"
import { sleep, waitFor } from "./rig.ts"

/** A connected pair on 127.0.0.1: `near` is the server side (the one we detach). */
const connectedPair = async () => {
  const server = Net.createServer({ allowHalfOpen: true })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const accepted = new Promise<Net.Socket>((r) => server.once("connection", r))
  const far = Net.connect({ port: (server.address() as Net.AddressInfo).port, host: "127.0.0.1" })
  const near = await accepted
  const close = () => {
    near.destroy()
    far.destroy()
    server.close()
  }
  return { near, far, close }
}

const MiB = 1024 * 1024

describe("Handoff", () => {
  it("pause() alone keeps libuv reading into Node's buffer (why detach calls readStop)", async () => {
    const { near, far, close } = await connectedPair()
    near.pause()
    far.write(Buffer.alloc(MiB))
    await waitFor("Node to read while paused", () => near.bytesRead > 0)
    assert.isAbove(near.readableLength, 0)
    close()
  })

  it("detach stops Node reading: the kernel keeps the bytes for splice", async () => {
    const { near, far, close } = await connectedPair()
    far.write("early")
    await waitFor("early bytes buffered in Node", () => near.readableLength === 5)
    const leftover = detach(near)
    assert.strictEqual(leftover.toString(), "early")
    const readBefore = near.bytesRead
    far.write(Buffer.alloc(MiB))
    await sleep(200)
    assert.strictEqual(near.bytesRead, readBefore)
    assert.strictEqual(near.readableLength, 0)
    close()
  })

  it("checkSocket refuses sockets Node would still touch", async () => {
    const { near, far, close } = await connectedPair()
    assert.isNumber(checkSocket(near, "client"))
    const onData = () => {}
    near.on("data", onData)
    const withListener = checkSocket(near, "client")
    assert.instanceOf(withListener, SpliceStartError)
    assert.strictEqual((withListener as SpliceStartError).reason, "BadSocket")
    near.off("data", onData)
    near.cork()
    assert.instanceOf(checkSocket(near, "client"), SpliceStartError)
    near.uncork()
    far.destroy()
    near.destroy()
    assert.instanceOf(checkSocket(near, "client"), SpliceStartError)
    const connecting = Net.connect({ port: 1, host: "127.0.0.1" })
    connecting.on("error", () => {})
    assert.instanceOf(checkSocket(connecting, "backend"), SpliceStartError)
    connecting.destroy()
    close()
  })
})
