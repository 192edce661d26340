/**
 * The stdin console of the real `infrarust-ts` process: commands fed on a pipe act on real
 * sessions of minecraft-protocol clients (list, find, kick, ban with a duration, banlist,
 * unban, servers, status), mistakes are answered with clear text, and EOF on stdin leaves the
 * proxy running, accepting players, idle (no busy loop), and stoppable by SIGTERM.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { joinAndStay } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"

const VERSION = "1.20.4"

/** CPU seconds (user + system) the process has used, from /proc. */
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

describe("console", () => {
  it.live("commands on stdin act on real sessions; EOF leaves the proxy running and idle", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* proxyProcess("[rate_limit]\nmax_connections = 100", { stdin: true, servers: { "hub.toml": serverToml(["hub.test"], [backend.address]) } })
      const port = yield* Effect.promise(() => proxy.port())
      const stdin = proxy.stdin!
      /** Sends a line and waits for the stdout line matching `expect`. */
      const ask = (line: string, expect: RegExp) =>
        Effect.promise(() =>
          new Promise<string>((resolve, reject) => {
            const from = proxy.stdout.length
            stdin.write(`${line}\n`)
            const timer = setInterval(() => {
              const hit = proxy.stdout.slice(from).find((l) => expect.test(l))
              if (hit !== undefined) {
                clearInterval(timer)
                resolve(hit)
              }
            }, 10)
            setTimeout(() => {
              clearInterval(timer)
              reject(new Error(`no answer to "${line}" matching ${expect}:\n${proxy.stdout.slice(from).join("\n")}`))
            }, 5000)
          })
        )

      const alex = yield* Effect.promise(() => joinAndStay(VERSION, port, "hub.test", "Alex"))
      const steve = yield* Effect.promise(() => joinAndStay(VERSION, port, "hub.test", "Steve"))
      assert.match(yield* ask("list", /player\(s\) online/), /^2 player\(s\) online/)
      assert.match(yield* ask("who", /hub:/), /hub: (Alex, Steve|Steve, Alex)/)
      assert.match(yield* ask("find alex", /^Alex /), /on hub from 127\.0\.0\.1, passthrough/)
      assert.match(yield* ask("kick Alex see you", /Kicked|Error/), /^Kicked Alex$/)
      yield* Effect.promise(() => alex.closed)
      assert.match(yield* ask("ban Steve 1h griefing", /Banned|Error/), /^Banned username Steve \(expires in (59m|1h).*\): griefing; 1 player\(s\) kicked$/)
      yield* Effect.promise(() => steve.closed)
      assert.match(yield* ask("banlist", /ban\(s\)|No active/), /^1 active ban\(s\)$/)
      assert.match(yield* ask("baninfo steve", /steve|Steve/i), /username Steve: griefing/)
      const refused = yield* Effect.promise(() => joinAndStay(VERSION, port, "hub.test", "Steve").then(() => "joined", (e: Error) => e.message))
      assert.include(refused, "griefing")
      assert.match(yield* ask("unban steve", /Unbanned|Error/), /^Unbanned username steve$/)
      assert.match(yield* ask("servers", /hub:/), /hub: unknown, 0 player\(s\), passthrough, hub.test/)
      assert.match(yield* ask("status", /^infrarust-ts /), /up \d+s, 0 player\(s\), 1 server\(s\), 0 ban\(s\)/)
      assert.match(yield* ask("teleport Alex", /Unknown command/), /Unknown command 'teleport'\. Type 'help' for the list\./)
      assert.match(yield* ask("kick", /Usage/), /^Usage: kick <player> \[reason\]$/)
      assert.match(yield* ask("kick Nobody", /Error/), /^Error: Player 'Nobody' not found$/)
      assert.match(yield* ask("msg Nobody hi", /Error/), /not found/)
      assert.match(yield* ask("start hub", /Error/), /has no \[server_manager\]/)
      assert.match(yield* ask("help", /stop-server/), /stop-server <server>/)

      // EOF: the console stops reading; the proxy goes on and does not spin.
      stdin.end()
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 300)))
      const before = cpuSeconds(proxy.child.pid!)
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 1000)))
      assert.isBelow(cpuSeconds(proxy.child.pid!) - before, 0.2, "idle after EOF")
      const late = yield* Effect.promise(() => joinAndStay(VERSION, port, "hub.test", "Late"))
      late.leave()
      assert.strictEqual(proxy.child.exitCode, null)
      assert.strictEqual(yield* Effect.promise(() => proxy.stop()), 0)
    }), 30_000)
})
