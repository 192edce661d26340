/**
 * The architecture as a test: every folder of src/ has a layer, and a module imports only from
 * its own folder or from folders of a lower layer (docs/internals/architecture.md draws the
 * same picture). The pure codec folders import neither `node:*` nor the Effect runtime.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const SRC = fileURLToPath(new URL("../src/", import.meta.url))

/** Lower numbers sit lower; a folder may import only from strictly lower layers. */
const LAYERS: Readonly<Record<string, number>> = {
  protocol: 0,
  address: 0,
  "proxy-protocol": 1,
  packet: 1,
  config: 2,
  routing: 3,
  observability: 3,
  demo: 3,
  native: 3,
  docker: 3,
  socket: 4,
  cli: 4,
  session: 5,
  // Events sit below every service that fires them (bans, backend health, sessions' stages).
  event: 6,
  auth: 7,
  forwarding: 7,
  relay: 7,
  backend: 7,
  security: 7,
  wasm: 7,
  limbo: 7,
  // The proxy's commands: sessions (mode) run them, plugins register theirs.
  command: 7,
  status: 8,
  plugin: 8,
  "server-manager": 9,
  mode: 10,
  // The built-in plugins (server_wake reaches the server manager); the root hands them to the host.
  plugins: 10,
  connection: 11,
  workers: 12,
  admin: 13,
  // src/*.ts: the composition root and the process entry.
  ".": 14
}

const PURE = new Set(["protocol", "address", "proxy-protocol"])

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )

const folderOf = (file: string): string => {
  const rel = relative(SRC, file)
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "."
}

const importsOf = (file: string): Array<string> =>
  Array.from(readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^"'\n]*?from\s+["']([^"']+)["']/g), (m) => m[1]!)

describe("layers", () => {
  const files = sources(SRC)

  it("every folder of src/ has a layer", () => {
    const unknown = [...new Set(files.map(folderOf))].filter((f) => LAYERS[f] === undefined)
    assert.deepStrictEqual(unknown, [])
  })

  it("imports only point down", () => {
    const upward: Array<string> = []
    for (const file of files) {
      const from = folderOf(file)
      for (const spec of importsOf(file)) {
        const target = resolve(dirname(file), spec)
        // package.json (the version) is data, not a layer.
        if (!spec.startsWith(".") || !target.startsWith(SRC)) continue
        const to = folderOf(target)
        if (to !== from && !(LAYERS[to]! < LAYERS[from]!)) upward.push(`${relative(SRC, file)} → ${spec}`)
      }
    }
    assert.deepStrictEqual(upward, [])
  })

  it("docs/internals/architecture.md shows the same layers", () => {
    const doc = readFileSync(fileURLToPath(new URL("../docs/internals/architecture.md", import.meta.url)), "utf8")
    const documented: Record<string, number> = {}
    for (const m of doc.matchAll(/^\| (\d+) \| ([^|]+) \|/gm)) {
      for (const folder of m[2]!.matchAll(/`([^`]+)`/g)) documented[folder[1] === "src/*.ts" ? "." : folder[1]!] = Number(m[1])
    }
    assert.deepStrictEqual(documented, { ...LAYERS })
  })

  it("pure folders import neither node:* nor the Effect runtime", () => {
    const impure: Array<string> = []
    for (const file of files.filter((f) => PURE.has(folderOf(f)))) {
      for (const spec of importsOf(file)) {
        const typeOnlyOrSchema = /^effect$/.test(spec) && /import\s+(type\s+)?\{[^}]*\}\s+from\s+"effect"/.test(readFileSync(file, "utf8"))
        if (spec.startsWith("node:") || (spec.startsWith("effect") && !typeOnlyOrSchema)) impure.push(`${relative(SRC, file)} → ${spec}`)
      }
    }
    assert.deepStrictEqual(impure, [])
  })
})
