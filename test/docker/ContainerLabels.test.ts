/**
 * Labels → server, decoded like a server file: the defaults of reference §1.5, every label,
 * which containers are servers, and mistakes named by container and label (Infrarust would fall
 * back silently and drop the MOTD label).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Result } from "effect"
import type { Container } from "../../src/docker/Container.ts"
import { type Discovery, discoverServer } from "../../src/docker/ContainerLabels.ts"

const ENDPOINT = "unix:///run/docker.sock"

const container = (labels: Record<string, string>, over: Partial<Container> = {}): Container => ({
  id: "abc123",
  name: "mc-survival",
  labels: { "infrarust.enable": "true", ...labels },
  status: "running",
  running: true,
  paused: false,
  exitCode: 0,
  oomKilled: false,
  startedAt: "2026-01-01T00:00:00Z",
  health: undefined,
  networkMode: "bridge",
  networks: { minecraft: "172.18.0.5" },
  ports: {},
  stopTimeout: undefined,
  ...over
})

const discover = (c: Container, network?: string): Discovery => {
  const found = discoverServer(c, { endpoint: ENDPOINT, network, platform: "linux" })
  if (Result.isFailure(found)) throw new Error(found.failure.message)
  return found.success
}

const routed = (c: Container) => {
  const found = discover(c)
  if (found._tag !== "Routed") throw new Error(`not routed: ${found.reason}`)
  return found.server
}

const problems = (c: Container): ReadonlyArray<string> => {
  const found = discoverServer(c, { endpoint: ENDPOINT, platform: "linux" })
  if (Result.isSuccess(found)) throw new Error("expected a label error")
  return found.failure.message.split("\n")
}

describe("discoverServer", () => {
  it("defaults: <name>.docker.local, port 25565, passthrough, id and source from the container name", () => {
    const server = routed(container({}))
    assert.strictEqual(server.id, "mc-survival")
    assert.strictEqual(server.file, "docker@mc-survival")
    assert.deepStrictEqual(server.config.domains, ["mc-survival.docker.local"])
    assert.deepStrictEqual(server.config.addresses.map((a) => a.text), ["172.18.0.5:25565"])
    assert.strictEqual(server.config.proxyMode, "passthrough")
    assert.isFalse(server.config.sendProxyProtocol)
    assert.isUndefined(server.config.serverManager)
  })

  it("every label of reference §1.5, the MOTD label included", () => {
    const server = routed(container({
      "infrarust.domains": " survival.example.com , SMP.example.com,, ",
      "infrarust.port": "25566",
      "infrarust.proxy_mode": "offline",
      "infrarust.send_proxy_protocol": "1",
      "infrarust.name": "survival",
      "infrarust.network": "main",
      "infrarust.motd.text": "§aSurvival"
    }))
    assert.strictEqual(server.id, "survival")
    assert.deepStrictEqual(server.config.domains, ["survival.example.com", "SMP.example.com"])
    assert.deepStrictEqual(server.config.addresses.map((a) => a.text), ["172.18.0.5:25566"])
    assert.strictEqual(server.config.proxyMode, "offline")
    assert.isTrue(server.config.sendProxyProtocol)
    assert.strictEqual(server.config.network, "main")
    assert.strictEqual(server.config.motd.online?.text, "§aSurvival")
  })

  it("which containers are servers: enabled and running, or managed even when stopped or paused", () => {
    assert.strictEqual(discover(container({ "infrarust.enable": "yes" }))._tag, "Ignored")
    assert.strictEqual(discover(container({}, { running: false, status: "exited" }))._tag, "Ignored")
    assert.strictEqual(discover(container({}, { paused: true, status: "paused" }))._tag, "Ignored")
    const managed = { "infrarust.server_manager": "docker", "infrarust.server_manager.shutdown_after": "10m" }
    for (const over of [{ running: false, status: "exited" }, { paused: true, status: "paused" }, {}]) {
      const server = routed(container(managed, over))
      const manager = server.config.serverManager
      assert.strictEqual(manager?.type, "docker")
      if (manager?.type !== "docker") return
      assert.strictEqual(manager.container, "mc-survival")
      assert.strictEqual(manager.endpoint, ENDPOINT, "the manager talks to the Engine that reported the container")
      assert.strictEqual(Duration.toMillis(manager.shutdownAfter!), 600_000)
    }
  })

  it("mistakes name the container and the label", () => {
    assert.deepStrictEqual(problems(container({
      "infrarust.port": "70000",
      "infrarust.send_proxy_protocol": "yes",
      "infrarust.domain": "typo.example.com"
    })), [
      "docker container 'mc-survival': label infrarust.domain: unknown label",
      "docker container 'mc-survival': label infrarust.port: expected a port from 1 to 65535, got \"70000\"",
      "docker container 'mc-survival': label infrarust.send_proxy_protocol: expected \"true\", \"1\", \"false\" or \"0\", got \"yes\""
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.proxy_mode": "ClientOnly" })), [
      `docker container 'mc-survival': label infrarust.proxy_mode: expected one of "passthrough", "zero_copy", "client_only", "offline", "server_only", "full"; got "ClientOnly" (did you mean "client_only"?)`
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.name": "Survival!" })), [
      `docker container 'mc-survival': label infrarust.name: expected 1-64 characters of a-z, 0-9, _ and -, got "Survival!"`
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.network": "main" })), [
      `docker container 'mc-survival': label infrarust.network: a server with proxy_mode "passthrough" cannot belong to a network (forwarding modes cannot switch servers)`
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.domains": " , " })), [
      `docker container 'mc-survival': label infrarust.domains: no domain in " , "`
    ])
  })

  it("manager label mistakes", () => {
    assert.deepStrictEqual(problems(container({ "infrarust.server_manager": "local" }, { running: false, status: "exited" })), [
      `docker container 'mc-survival': label infrarust.server_manager: expected "docker", got "local"`
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.server_manager": "docker", "infrarust.server_manager.shutdown_after": "soon" })), [
      `docker container 'mc-survival': label infrarust.server_manager.shutdown_after: expected a duration like "5s", "300ms" or "1h30m", got "soon" (expected a number at "soon")`
    ])
    assert.deepStrictEqual(problems(container({ "infrarust.server_manager": "docker", "infrarust.server_manager.container": "other" })), [
      "docker container 'mc-survival': label infrarust.server_manager.container: unknown label"
    ])
  })
})
