/** Where a container is reached, first match wins (reference §1.5, plus the host network). */
import { assert, describe, it } from "@effect/vitest"
import type { Container } from "../../src/docker/Container.ts"
import { resolveAddress } from "../../src/docker/ContainerAddress.ts"

const container = (over: Partial<Container>): Container => ({
  id: "abc",
  name: "mc",
  labels: {},
  status: "running",
  running: true,
  paused: false,
  exitCode: 0,
  oomKilled: false,
  startedAt: "",
  health: undefined,
  networkMode: "bridge",
  networks: {},
  ports: {},
  stopTimeout: undefined,
  ...over
})

describe("resolveAddress", () => {
  it("1. the IP on the preferred network", () =>
    assert.deepStrictEqual(resolveAddress(container({ networks: { a: "10.0.0.2", b: "10.0.1.2" } }), 25565, "b"), { text: "10.0.1.2:25565", via: "network" }))

  it("2. otherwise an IP on any network, the first network by name; empty IPs do not count", () => {
    assert.strictEqual(resolveAddress(container({ networks: { zeta: "10.0.9.2", alpha: "10.0.1.2" } }), 25566, "missing").text, "10.0.1.2:25566")
    assert.strictEqual(resolveAddress(container({ networks: { alpha: "", zeta: "10.0.9.2" } }), 25566, undefined).text, "10.0.9.2:25566")
  })

  it("3. otherwise the published host port, with a wildcard host mapped to 127.0.0.1", () => {
    const ports = { "25565/tcp": [{ hostIp: "0.0.0.0", hostPort: "30001" }] }
    assert.deepStrictEqual(resolveAddress(container({ ports }), 25565, undefined), { text: "127.0.0.1:30001", via: "published port" })
    assert.strictEqual(resolveAddress(container({ ports: { "25565/tcp": [{ hostIp: "192.168.1.4", hostPort: "30002" }] } }), 25565, undefined).text, "192.168.1.4:30002")
    assert.strictEqual(resolveAddress(container({ ports: { "25565/tcp": [{ hostIp: "::", hostPort: "30003" }] } }), 25565, undefined).text, "127.0.0.1:30003")
    // Another port's binding is not this one.
    assert.strictEqual(resolveAddress(container({ ports: { "25566/tcp": [{ hostIp: "", hostPort: "30004" }] } }), 25565, undefined).via, "container name")
  })

  it("4. a container on the host network: 127.0.0.1", () =>
    assert.deepStrictEqual(resolveAddress(container({ networkMode: "host", networks: { host: "" } }), 26000, undefined), { text: "127.0.0.1:26000", via: "host network" }))

  it("5. otherwise the container name", () =>
    assert.deepStrictEqual(resolveAddress(container({ name: "mc_survival.1" }), 25565, undefined), { text: "mc_survival.1:25565", via: "container name" }))
})
