/**
 * A Minecraft server the way a server manager sees one: a program that is started, prints
 * console lines, becomes ready, and stops when "stop" is typed on its console. It is a real
 * minecraft-protocol server (offline mode, 127.0.0.1), so status pings reach it once it runs.
 *
 *   node ManagedMcServer.ts --port <n> [--ready-delay <ms>] [--version <v>] [--launches <file>]
 *                           [--crash-after <ms>] [--never-ready] [--ignore-stop] [--grandchild]
 *
 * - prints "Starting minecraft server on 127.0.0.1:<port>", then, `--ready-delay` ms after it
 *   listens, `Done (...)! For help, type "help"` (Minecraft's ready line);
 * - on "stop" (stdin) prints "Stopping the server", closes and exits with code 0; with
 *   `--ignore-stop` it prints "Ignoring stop" and keeps running; SIGTERM (`docker stop`: as a
 *   container's PID 1, Node would otherwise ignore it) does the same as "stop";
 * - `--crash-after <ms>` prints an error on stderr and exits with code 3 that long after start;
 * - `--grandchild` starts a child process of its own (to check that a whole process group is
 *   cleaned up);
 * - `--launches <file>` gets one line per launch, `server <pid>`, and `grandchild <pid>`.
 */
import mc from "minecraft-protocol"
import { spawn } from "node:child_process"
import { appendFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"
import { joinGamePacket } from "./JoinGame.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "ready-delay": { type: "string", default: "0" },
    version: { type: "string", default: "1.20.4" },
    launches: { type: "string" },
    "crash-after": { type: "string" },
    "never-ready": { type: "boolean", default: false },
    "ignore-stop": { type: "boolean", default: false },
    grandchild: { type: "boolean", default: false }
  }
})
const port = Number(values.port)
if (!Number.isInteger(port) || port <= 0) throw new Error("--port <n> is required")
const record = (line: string) => {
  if (values.launches !== undefined) appendFileSync(values.launches, `${line}\n`)
}

record(`server ${process.pid}`)
console.log(`Starting minecraft server on 127.0.0.1:${port}`)

if (values.grandchild) {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })
  record(`grandchild ${child.pid}`)
}

if (values["crash-after"] !== undefined) {
  setTimeout(() => {
    console.error("Exception in server tick loop: simulated crash")
    process.exit(3)
  }, Number(values["crash-after"]))
}

const server = mc.createServer({
  "online-mode": false,
  host: "127.0.0.1",
  port,
  version: values.version,
  motd: "managed backend",
  hideErrors: true
} as mc.ServerOptions)

// A player that logs in is put into a world, so clients see a join (the proxy's wake tests log in).
server.on("playerJoin", (client) => (client as unknown as { write: (name: string, params: unknown) => void }).write("login", joinGamePacket(values.version, client)))

server.on("listening", () => {
  if (values["never-ready"]) return
  const delay = Number(values["ready-delay"])
  setTimeout(() => console.log(`Done (${(delay / 1000).toFixed(3)}s)! For help, type "help"`), delay)
})

const stop = () => {
  if (values["ignore-stop"]) {
    console.log("Ignoring stop")
    return
  }
  console.log("Stopping the server")
  server.close()
  process.exit(0)
}
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "stop") stop()
})
process.on("SIGTERM", stop)
