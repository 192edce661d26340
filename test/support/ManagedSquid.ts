/**
 * A flying-squid server as a managed backend's process (the local provider starts it):
 * `node test/support/ManagedSquid.ts --port N --version V [--ready-delay MS]`. It prints the
 * vanilla ready line once it listens (after the delay, a slow boot), and stops on `stop` on
 * stdin, as a vanilla server does.
 */
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"

const { values } = parseArgs({ options: { port: { type: "string" }, version: { type: "string" }, "ready-delay": { type: "string" } } })
;(globalThis as { isMocha?: boolean }).isMocha = true
const { createRequire } = await import("node:module")
const require = createRequire(import.meta.url)
const { createMCServer } = require("flying-squid") as { createMCServer: (options: Record<string, unknown>) => { on: (e: string, l: () => void) => void; quit: (r: string) => void } }
const defaults = require("flying-squid/config/default-settings.json") as Record<string, unknown>

const delay = Number(values["ready-delay"] ?? "0")
setTimeout(() => {
  const squid = createMCServer({
    ...defaults,
    port: Number(values.port),
    host: "127.0.0.1",
    "online-mode": false,
    version: values.version,
    motd: "managed flying-squid",
    logging: false,
    noConsoleOutput: true,
    hideErrors: true,
    generation: { name: "superflat", options: { worldHeight: 80 } },
    "view-distance": 2,
    plugins: {},
    worldFolder: undefined
  })
  squid.on("listening", () => console.log(`Done (${delay}ms)! For help, type "help"`))
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() === "stop") {
      squid.quit("stopping")
      setTimeout(() => process.exit(0), 200)
    }
  })
}, delay)
