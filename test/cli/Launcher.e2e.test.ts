/**
 * The proxy as an admin runs it: through `npm start` and through the package's bin launcher
 * (src/cli/infrarust-ts) reached by a symlink, as after `npm install -g`, with an old `node`
 * first in PATH and another working directory. Each serves the servers beside its config file
 * (relative `servers_dir`), and SIGTERM to the process the admin started ends the proxy itself:
 * exit code 0, the port free, no process of it left.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { docBlock } from "../support/DocBlocks.ts"
import { loginExpectingKick, ping } from "../support/McClients.ts"
import { eventually } from "../support/Poll.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"

const REPO = fileURLToPath(new URL("../..", import.meta.url))
const LAUNCHER = join(REPO, "src/cli/infrarust-ts")
const VERSION = "1.21.4"

/** The pids whose command line mentions `text` (the test's unique directory). */
const processesMentioning = (text: string): Array<number> =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text)
    } catch {
      return false // the process ended while we looked
    }
  }).map(Number)

/** The Node command line the proxy itself (the process running src/main.ts) was started with. */
const proxyCommandLine = (dir: string): Array<string> => {
  const pid = processesMentioning(dir).find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("src/main.ts"))
  return pid === undefined ? [] : readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve(false)))
    socket.once("error", () => resolve(true))
  })

/** infrarust.toml with a relative servers_dir, and one server that says where it was loaded from. */
const config = (workers: number) => `bind = "127.0.0.1:0"\nworker_threads = ${workers}\nservers_dir = "servers"\n[ban]\nfile = "bans.json"\n`
const lobby = `domains = ["lobby.test"]\naddresses = ["127.0.0.1:1"]\n[motd.unreachable]\ntext = "the lobby beside the config"\n`

const runAndTerminate = (command: ReadonlyArray<string>, cwd: string, workers: number, env: Record<string, string> = {}, nodeFlag = "--max-semi-space-size=8") =>
  Effect.gen(function*() {
    const proc = yield* proxyProcess(config(workers), { raw: true, command, cwd, env, servers: { "lobby.toml": lobby } })
    // Whatever the outcome, nothing of this test outlives it (an orphan is what a failure here means).
    yield* Effect.addFinalizer(() => Effect.sync(() => processesMentioning(proc.dir).forEach((pid) => process.kill(pid, "SIGKILL"))))
    const port = yield* Effect.promise(() => proc.port(30_000))
    assert.include(proc.output(), `loaded 1 server from ${join(proc.dir, "servers")}: lobby`)
    const status = yield* Effect.promise(() => ping(VERSION, port, "lobby.test"))
    assert.include(JSON.stringify(status["description"]), "the lobby beside the config")
    assert.isNotEmpty(processesMentioning(proc.dir), "the proxy runs")
    // The young generation the proxy is measured with (src/cli/node-flags, docs/running.md).
    const argv = proxyCommandLine(proc.dir)
    assert.include(argv, nodeFlag, argv.join(" "))
    assert.isBelow(argv.indexOf(nodeFlag), argv.findIndex((a) => a.endsWith("src/main.ts")), "a flag of Node, not of the proxy")
    const code = yield* Effect.promise(() => proc.stop())
    assert.strictEqual(code, 0, proc.output())
    // The process the admin signalled is gone; the proxy under it must be gone too.
    assert.isTrue(yield* Effect.promise(() => eventually(() => processesMentioning(proc.dir).length === 0, 5000)), "no orphan")
    assert.isTrue(yield* Effect.promise(() => refused(port)), "the port is free")
  })

describe("starting and stopping the proxy like a service", () => {
  it.live("npm start: SIGTERM to npm stops the proxy (exit 0, no orphan, port free)", () =>
    Effect.scoped(runAndTerminate(["npm", "start", "--silent", "--"], REPO, 1)), { timeout: 60_000 })

  it.live("the bin through a symlink, an old node first in PATH, another working directory, two workers", () =>
    Effect.gen(function*() {
      const bin = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-bin-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      symlinkSync(LAUNCHER, join(bin, "infrarust-ts"))
      // /usr/bin/node on this machine is Node 20: the launcher must not pick it.
      // INFRARUST_NODE_FLAGS replaces the shipped flags.
      yield* runAndTerminate([join(bin, "infrarust-ts")], tmpdir(), 2, { PATH: `${bin}:/usr/bin:/bin`, INFRARUST_NODE_FLAGS: "--max-semi-space-size=4" }, "--max-semi-space-size=4")
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

describe("the command line of a running proxy", () => {
  it.live("RUST_LOG=bogus starts the proxy with a one-line warning; a multi-line message is one entry", () =>
    Effect.gen(function*() {
      const proc = yield* proxyProcess(`worker_threads = 1\n`, {
        env: { RUST_LOG: "bogus" },
        cliArgs: ["--plugins-dir", "cli-plugins"],
        // A broken server file: its error and "(the file is skipped)" are one entry.
        servers: { "broken.toml": `domains = 3\n` }
      })
      yield* Effect.promise(() => proc.port(30_000))
      const entry = /^\S+Z (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) /
      assert.isTrue(proc.stdout.some((l) => entry.test(l) && l.includes(`RUST_LOG="bogus" is not a log level; logging at info (valid: trace, debug, info, warn, error, off`)), proc.output())
      assert.isTrue(proc.stdout.some((l) => /WARN .*broken\.toml: domains: .* \| \(the file is skipped\)$/.test(l)), proc.output())
      const lines = proc.stdout.filter((l) => l !== "")
      assert.deepStrictEqual(lines.filter((l) => !entry.test(l)), [], "every line is an entry with its timestamp and level")
      assert.strictEqual(yield* Effect.promise(() => proc.stop()), 0)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

describe("first run on the repository's own files", () => {
  it.live("npm start: the demo backend answers a ping on localhost and tells a joining player where server files go", () =>
    Effect.gen(function*() {
      const plugins = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-plugins-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      // The shipped infrarust.toml and servers/, as a new user runs them; only the port is free
      // (tests never take 25565) and plugin data stays out of the repository.
      const proc = yield* proxyProcess("", {
        command: ["npm", "start", "--silent", "--"],
        cwd: REPO,
        config: join(REPO, "infrarust.toml"),
        cliArgs: ["--bind", "127.0.0.1:0", "--plugins-dir", plugins]
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => processesMentioning(plugins).forEach((pid) => process.kill(pid, "SIGKILL"))))
      const port = yield* Effect.promise(() => proc.port(30_000))
      assert.include(proc.output(), "demo backend for 'demo' listening on 127.0.0.1:25564")
      // docs/quick-start.md shows this output: every line of it is what the program printed.
      const root = REPO.replace(/\/$/, "")
      // The worker plan depends on the machine's cores (src/workers/WorkerPlan.ts): one process on
      // 2 cores or fewer, which the docs show, or one worker per core.
      const normal = (line: string) =>
        line.replace(/^\S+Z /, "")
          .replace(/^(INFO {2}worker_threads = 0)(: \d+ data-plane workers .*| on \d+ CPU cores: one process .*)$/, "$1: <plan>")
          .replace(/^(INFO {2}listening on \S+) \(\d+ workers\)$/, "$1")
      const sample = docBlock("quick-start.md", "first-run-output").split("\n").filter((l) => l !== "")
      const expectedLines = sample.map((line) => normal(line.replaceAll("/home/you/infrarust-ts", root).replace("127.0.0.1:25565", `127.0.0.1:${port}`)))
      // The start-up report is printed just after the "listening on" line: wait for its last line.
      yield* Effect.promise(() => eventually(() => proc.stdout.map(normal).includes(expectedLines.at(-1)!), 10_000))
      const printed = proc.stdout.map(normal)
      for (const expected of expectedLines) {
        assert.include(printed, expected, `quick-start.md shows a line the program does not print:\n${expected}\n---\n${printed.join("\n")}`)
      }
      const status = yield* Effect.promise(() => ping(VERSION, port, "localhost"))
      assert.include(JSON.stringify(status["description"]), "infrarust-ts is running")
      const kick = yield* Effect.promise(() => loginExpectingKick(VERSION, port, "localhost", "newuser"))
      assert.include(kick, join(REPO, "servers"))
      assert.strictEqual(yield* Effect.promise(() => proc.stop()), 0)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
