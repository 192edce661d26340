/**
 * Health checks end to end with real sockets: a killed backend leaves rotation within
 * `unhealthy_after` checks while players on the other backends stay connected, a restarted one
 * returns after `healthy_after` checks, and checks through HAProxy `accept-proxy` (PROXY v2
 * LOCAL) pass without HAProxy logging a single PROXY error.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { haproxy as startHaproxy } from "../support/Daemons.ts"
import { joinAndStay, loginExpectingKick, type Player } from "../support/McClients.ts"
import { type McServer, mcServer, startMcServer } from "../support/McPeers.ts"
import { freeLowPort } from "../support/Ports.ts"
import { startProxy } from "../support/ProxyHarness.ts"
import { PROTOCOL, rawLogin, rawLoginStorm } from "../support/RawClient.ts"

const VERSION = "1.20.4"
const HOST = "lb.example.com"
const GLOBAL = `[rate_limit]\nmax_connections = 100000\nstatus_max = 100000\n`

const INTERVAL_MS = 200
const TIMEOUT_MS = 200
const UNHEALTHY_AFTER = 2
const HEALTHY_AFTER = 2
const checks = (kind = "status") =>
  `[health_check]\ninterval = "${INTERVAL_MS}ms"\ntimeout = "${TIMEOUT_MS}ms"\nkind = "${kind}"\n` +
  `unhealthy_after = ${UNHEALTHY_AFTER}\nhealthy_after = ${HEALTHY_AFTER}\n`

/** A backend that counts logins, pings and players (no keep-alives); `port` to restart one where it was. */
const startCountingBackend = (port = 0) => startMcServer(VERSION, { keepAlive: false, port })

/** A player through the proxy, given up after 8 s. */
const join = (port: number, name: string) => joinAndStay(VERSION, port, HOST, name, { timeoutMs: 8000 })

const backend = (port = 0) => mcServer(VERSION, { keepAlive: false, port })

/** Polls `logs` until a line contains `text`; the elapsed milliseconds. */
const waitForLog = (logs: ReadonlyArray<{ readonly message: string }>, text: string, timeoutMs: number) =>
  Effect.promise(() =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now()
      const poll = () => {
        if (logs.some((l) => l.message.includes(text))) return resolve(performance.now() - start)
        if (performance.now() - start > timeoutMs) return reject(new Error(`no log line with "${text}" in ${timeoutMs} ms`))
        setTimeout(poll, 10)
      }
      poll()
    })
  )

/** The worst case to notice n results in a row: a check may have just started, then n more. */
const noticeWithin = (n: number) => (n + 1) * (INTERVAL_MS + TIMEOUT_MS) + 500

describe("health checks with real backends", () => {
  it.live("kill a backend: new logins avoid it, players elsewhere stay; restart it: back after healthy_after checks", () =>
    Effect.gen(function*() {
      const a = yield* backend()
      const b = yield* backend()
      let c: McServer = yield* Effect.promise(() => startCountingBackend())
      yield* Effect.addFinalizer(() => Effect.promise(() => c.close()))
      const addresses = [a, b, c].map((x) => `"${x.address}"`).join(", ")
      const proxy = yield* startProxy({
        global: GLOBAL,
        servers: {
          "lb.toml": `domains = ["${HOST}"]\naddresses = [${addresses}]\nload_balancing = "round_robin"\n${checks()}`
        }
      })
      const players: Array<Player> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => players.forEach((p) => p.leave())))
      for (let i = 0; i < 6; i++) players.push(yield* Effect.promise(() => join(proxy.port, `held${i}`)))
      assert.deepStrictEqual([a, b, c].map((x) => x.online()), [2, 2, 2])
      let dropped = 0
      players.forEach((p) => p.closed.then(() => dropped++))

      // Kill c (its own two players drop with it: that is what a crash does).
      const cPort = c.port
      yield* Effect.promise(() => c.close())
      const downAfter = yield* waitForLog(proxy.logs, `backend 127.0.0.1:${cPort} of 'lb' is down`, noticeWithin(UNHEALTHY_AFTER))
      const failuresBefore = proxy.logs.filter((l) => l.message.includes(`backend 127.0.0.1:${cPort} of 'lb' failed`)).length
      yield* Effect.promise(() => rawLoginStorm(PROTOCOL, proxy.port, HOST, 30, 3))
      assert.deepStrictEqual([a.logins(), b.logins()], [2 + 15, 2 + 15])
      const failuresAfter = proxy.logs.filter((l) => l.message.includes(`backend 127.0.0.1:${cPort} of 'lb' failed`)).length
      assert.strictEqual(failuresAfter, failuresBefore, "no login even tried the dead backend")
      // The four players on a and b never noticed.
      assert.deepStrictEqual([a.online(), b.online()], [2, 2])
      assert.strictEqual(dropped, 2)

      // Restart c on the same port.
      c = yield* Effect.promise(() => startCountingBackend(cPort))
      const upAfter = yield* waitForLog(proxy.logs, `backend 127.0.0.1:${cPort} of 'lb' passed ${HEALTHY_AFTER} checks`, noticeWithin(HEALTHY_AFTER))
      yield* Effect.promise(() => rawLoginStorm(PROTOCOL, proxy.port, HOST, 30, 3))
      assert.isAtLeast(c.logins(), 9, `${[a, b, c].map((x) => x.logins())}`)
      assert.deepStrictEqual([a.online(), b.online()], [2, 2])
      assert.strictEqual(dropped, 2)
      const downLines = proxy.logs.filter((l) => l.message.includes(`of 'lb' is down`))
      assert.strictEqual(downLines.length, 1, "one line per transition")
      console.info(`health: down noticed after ${downAfter.toFixed(0)} ms, back after ${upAfter.toFixed(0)} ms`)
    }), { timeout: 30_000 })

  it.live("all backends down: a login still tries them in order, then gets disconnect_message", () =>
    Effect.gen(function*() {
      const a = yield* backend()
      const b = yield* backend()
      const [portA, portB] = [a.port, b.port]
      const proxy = yield* startProxy({
        global: GLOBAL,
        servers: {
          "lb.toml": `domains = ["${HOST}"]\naddresses = ["${a.address}", "${b.address}"]\nload_balancing = "random"\n` +
            `disconnect_message = "All down"\n${checks("tcp")}`
        }
      })
      yield* Effect.promise(() => Promise.all([a.close(), b.close()]))
      yield* waitForLog(proxy.logs, `backend 127.0.0.1:${portA} of 'lb' is down`, noticeWithin(UNHEALTHY_AFTER))
      yield* waitForLog(proxy.logs, `backend 127.0.0.1:${portB} of 'lb' is down`, noticeWithin(UNHEALTHY_AFTER))
      const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, HOST))
      assert.include(reason, "All down")
      // Both were tried, in written order, although both were marked down.
      const tried = proxy.logs.map((l) => l.message).filter((m) => /backend 127\.0\.0\.1:\d+ of 'lb' failed/.test(m))
      assert.deepStrictEqual(tried.slice(-2).map((m) => m.split(" ")[1]), [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`])
      // A check can be wrong: a backend back before the checks notice still gets the player.
      const again = yield* backend(portB)
      const player = yield* Effect.promise(() => rawLogin(PROTOCOL, proxy.port, HOST, "hopeful"))
      player.leave()
      assert.strictEqual(again.logins(), 1)
    }), { timeout: 30_000 })

  it.live("hot reload: an added address takes players at once, a removed one keeps its players and gets no new ones", () =>
    Effect.gen(function*() {
      const a = yield* backend()
      const b = yield* backend()
      const c = yield* backend()
      const toml = (list: ReadonlyArray<McServer>) =>
        `domains = ["${HOST}"]\naddresses = [${list.map((x) => `"${x.address}"`).join(", ")}]\nload_balancing = "round_robin"\n${checks()}`
      const proxy = yield* startProxy({ global: GLOBAL, servers: { "lb.toml": toml([a, b]) } })
      const players: Array<Player> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => players.forEach((p) => p.leave())))
      for (let i = 0; i < 2; i++) players.push(yield* Effect.promise(() => join(proxy.port, `before${i}`)))
      assert.deepStrictEqual([a.online(), b.online()], [1, 1])
      let dropped = 0
      players.forEach((p) => p.closed.then(() => dropped++))
      proxy.writeServer("lb.toml", toml([a, c]))
      yield* waitForLog(proxy.logs, `backend ${c.address} of 'lb' added to rotation`, 5000)
      assert.isTrue(proxy.logs.some((l) => l.message.includes(`backend ${b.address} of 'lb' removed: no new players, 1 stay`)))
      const before = [a.logins(), b.logins(), c.logins()]
      yield* Effect.promise(() => rawLoginStorm(PROTOCOL, proxy.port, HOST, 20, 2))
      assert.deepStrictEqual([a.logins() - before[0]!, b.logins() - before[1]!, c.logins() - before[2]!], [10, 0, 10])
      // The player on the removed backend is still there.
      assert.deepStrictEqual([a.online(), b.online()], [1, 1])
      assert.strictEqual(dropped, 0)
    }), { timeout: 30_000 })

  it.live("status and tcp checks through HAProxy accept-proxy pass, and HAProxy logs no PROXY error", () =>
    Effect.gen(function*() {
      const mc = yield* backend()
      const statusPort = yield* Effect.promise(freeLowPort)
      const tcpPort = yield* Effect.promise(freeLowPort)
      const config = [
        "global",
        "    log stdout format raw local0",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    timeout connect 2s",
        "    timeout client 10s",
        "    timeout server 10s",
        "frontend status_pp",
        `    bind 127.0.0.1:${statusPort} accept-proxy`,
        "    default_backend be_mc",
        "frontend tcp_pp",
        `    bind 127.0.0.1:${tcpPort} accept-proxy`,
        "    default_backend be_mc",
        "backend be_mc",
        `    server mc1 ${mc.address}`,
        ""
      ].join("\n")
      // Ready once the TCP frontend accepts a PROXY v2 LOCAL probe (the status frontend is not
      // probed: its session lines must all be checks).
      const haproxy = yield* startHaproxy(config, [tcpPort], { probe: "proxy-v2-local" })
      const proxy = yield* startProxy({
        global: GLOBAL,
        servers: {
          "pp.toml": `domains = ["${HOST}"]\naddresses = ["127.0.0.1:${statusPort}"]\nsend_proxy_protocol = true\n${checks()}`,
          "tcp.toml": `domains = ["tcp.example.com"]\naddresses = ["127.0.0.1:${tcpPort}"]\nsend_proxy_protocol = true\n${checks("tcp")}`
        }
      })
      yield* Effect.sleep("1500 millis")
      // Through HAProxy, every status check reached the Minecraft server and was answered.
      assert.isAtLeast(mc.pings(), 4)
      assert.isFalse(proxy.logs.some((l) => l.message.includes("is down")), proxy.logs.map((l) => l.message).join("\n"))
      // Players still get through (with a real PROXY v2 header).
      const player = yield* Effect.promise(() => join(proxy.port, "through_haproxy"))
      player.leave()
      const lines = haproxy.output().split("\n")
      const statusSessions = lines.filter((l) => l.includes("status_pp be_mc/mc1"))
      const tcpSessions = lines.filter((l) => l.includes("tcp_pp be_mc/mc1"))
      assert.isAtLeast(statusSessions.length, 4, haproxy.output())
      assert.isAtLeast(tcpSessions.length, 4, haproxy.output())
      // No "Connection closed while waiting for PROXY protocol header", no "does not look like".
      assert.notInclude(haproxy.output(), "PROXY")
      // Status checks end normally ("--"). A TCP check closes right after the LOCAL header, so
      // HAProxy may still be connecting to the server: "CC" (client closed during connect) is a
      // normal session line for it, never an error.
      assert.deepStrictEqual(statusSessions.filter((l) => !l.includes(" -- ")), [])
      assert.deepStrictEqual(tcpSessions.filter((l) => !l.includes(" -- ") && !l.includes(" CC ")), [])
      console.info(
        `haproxy: ${statusSessions.length} status sessions, ${tcpSessions.length} tcp sessions ` +
          `(${tcpSessions.filter((l) => l.includes(" CC ")).length} CC)`
      )

      // Control: a check without a header is exactly what HAProxy complains about.
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => {
          const socket = Net.connect(tcpPort, "127.0.0.1", () => socket.end())
          socket.on("close", () => resolve())
          socket.on("error", () => resolve())
        })
      )
      yield* Effect.sleep("200 millis")
      assert.include(haproxy.output(), "PROXY protocol header")
    }), { timeout: 30_000 })
})
