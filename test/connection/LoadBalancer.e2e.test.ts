/**
 * infrarust-ts behind and in front of real load balancers speaking PROXY protocol, with the
 * HAProxy and nginx configurations from docs/load-balancer.md. The player connects from
 * 127.0.0.2 so its address can be told apart from the balancer's (127.0.0.1).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { haproxy, nginx } from "../support/Daemons.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { loginAndChat, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { freePort } from "../support/Ports.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"
const PLAYER = "127.0.0.2"

const mcBackend = mcServer(VERSION, { motd: "behind a balancer" })

/** The documented HAProxy config, pointed at loopback ports. */
const haproxyInFront = (listen: number, proxyPort: number, send: "send-proxy" | "send-proxy-v2") =>
  docBlock("load-balancer.md", "haproxy-in-front")
    .replace("bind :25565", `bind 127.0.0.1:${listen}`)
    .replace("10.0.0.10:25565 send-proxy-v2", `127.0.0.1:${proxyPort} ${send}`)

describe("behind a load balancer (PROXY protocol in)", () => {
  for (const send of ["send-proxy-v2", "send-proxy"] as const) {
    it.live(`HAProxy ${send}: the player's address, not HAProxy's, reaches the proxy and the session works`, () =>
      Effect.gen(function*() {
        const mc = yield* mcBackend
        const proxy = yield* startProxy({
          global: `receive_proxy_protocol = true\ntrusted_proxies = ["127.0.0.1"]`,
          servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
        })
        const listen = yield* Effect.promise(freePort)
        yield* haproxy(haproxyInFront(listen, proxy.port, send), [listen])
        const session = yield* Effect.promise(() =>
          loginAndChat(VERSION, listen, "mc.example.com", "behindlb", { localAddress: PLAYER })
        )
        assert.isTrue(session.echoed)
        yield* Effect.sleep("200 millis")
        const started = proxy.logs.find((l) => l.message.startsWith("session started"))
        assert.include(started?.message, `client=${PLAYER}`)
        assert.include(started?.message, "via=127.0.0.1")
      }), { timeout: 30_000 })
  }

  it.live("nginx (proxy_protocol on, version 1): the player's address reaches the proxy", () =>
    Effect.gen(function*() {
      const mc = yield* mcBackend
      const proxy = yield* startProxy({
        global: `receive_proxy_protocol = true\ntrusted_proxies = ["127.0.0.1/32"]`,
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      const listen = yield* Effect.promise(freePort)
      const stream = docBlock("load-balancer.md", "nginx-in-front")
        .replace("server 10.0.0.10:25565;", `server 127.0.0.1:${proxy.port};`)
        .replace("listen 25565;", `listen 127.0.0.1:${listen};`)
      yield* nginx(stream, [listen])
      const session = yield* Effect.promise(() =>
        loginAndChat(VERSION, listen, "mc.example.com", "nginxed", { localAddress: PLAYER })
      )
      assert.isTrue(session.echoed)
      yield* Effect.sleep("200 millis")
      assert.include(proxy.logs.find((l) => l.message.startsWith("session started"))?.message, `client=${PLAYER}`)
    }), { timeout: 30_000 })

  it.live("a header from a peer outside trusted_proxies is refused and logged", () =>
    Effect.gen(function*() {
      const mc = yield* mcBackend
      const proxy = yield* startProxy({
        global: `receive_proxy_protocol = true\ntrusted_proxies = ["10.9.9.9"]`,
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      const listen = yield* Effect.promise(freePort)
      yield* haproxy(haproxyInFront(listen, proxy.port, "send-proxy-v2"), [listen])
      const failed = yield* Effect.promise(() =>
        loginAndChat(VERSION, listen, "mc.example.com", "spoofer", { timeoutMs: 4000 }).then(() => false, () => true)
      )
      assert.isTrue(failed)
      assert.isTrue(
        proxy.logs.some((l) => l.level === "Warn" && l.message.includes("refused 127.0.0.1: it is not in trusted_proxies"))
      )
      assert.deepStrictEqual(mc.hosts, [])
    }), { timeout: 30_000 })

  it.live("both kinds of mismatch are named in the log", () =>
    Effect.gen(function*() {
      const mc = yield* mcBackend
      // HAProxy sends headers, the proxy does not expect them.
      const noReceive = yield* startProxy({ servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) } })
      const listen = yield* Effect.promise(freePort)
      yield* haproxy(haproxyInFront(listen, noReceive.port, "send-proxy-v2"), [listen])
      yield* Effect.promise(() => ping(VERSION, listen, "mc.example.com").then(() => undefined, () => undefined))
      assert.isTrue(noReceive.logs.some((l) => l.level === "Warn" && l.message.includes("PROXY protocol mismatch")))
      // The proxy expects headers, a client connects directly.
      const receive = yield* startProxy({
        global: "receive_proxy_protocol = true",
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      yield* Effect.promise(() => ping(VERSION, receive.port, "mc.example.com").then(() => undefined, () => undefined))
      assert.isTrue(
        receive.logs.some((l) => l.level === "Warn" && l.message.includes("PROXY protocol mismatch") && l.message.includes("sent no PROXY header"))
      )
    }), { timeout: 30_000 })
})

describe("in front of a PROXY-protocol backend (PROXY protocol out)", () => {
  it.live("HAProxy accept-proxy behind the proxy sees the player's real address, for logins and status", () =>
    Effect.gen(function*() {
      const mc = yield* mcBackend
      const listen = yield* Effect.promise(freePort)
      const hp = yield* haproxy(
        [
          "global",
          "    log stdout format raw local0",
          "defaults",
          "    mode tcp",
          "    log global",
          "    timeout connect 5s",
          "    timeout client 30s",
          "    timeout server 30s",
          "frontend from_infrarust",
          `    bind 127.0.0.1:${listen} accept-proxy`,
          '    log-format "RECV client=%ci:%cp dst=%fi:%fp"',
          "    default_backend mc",
          "backend mc",
          `    server mc1 127.0.0.1:${mc.port}`,
          ""
        ].join("\n"),
        [listen]
      )
      const proxy = yield* startProxy({
        servers: {
          "mc.toml": serverToml(["mc.example.com"], [`127.0.0.1:${listen}`], "send_proxy_protocol = true")
        }
      })
      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, "mc.example.com"))
      assert.include(JSON.stringify(status["description"]), "behind a balancer")
      const session = yield* Effect.promise(() =>
        loginAndChat(VERSION, proxy.port, "mc.example.com", "proxied", { localAddress: PLAYER })
      )
      assert.isTrue(session.echoed)
      yield* Effect.sleep("300 millis")
      const received = hp.output().split("\n").filter((l) => l.startsWith("RECV"))
      // One line per connection: the status probe (from 127.0.0.1) and the login from the player.
      assert.isTrue(received.some((l) => l.startsWith(`RECV client=${PLAYER}:`)), hp.output())
      assert.isTrue(received.every((l) => !l.includes("client=-")), hp.output())
    }), { timeout: 30_000 })
})
