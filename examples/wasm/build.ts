/**
 * Builds a WebAssembly plugin from source, with the toolchains the test suite uses
 * (docs/wasm-plugins.md):
 *
 *   node examples/wasm/build.ts examples/wasm/chat-filter/chat_filter.c plugins/chat_filter.wasm
 *   node examples/wasm/build.ts examples/wasm/motd-rotator/motd-rotator.js plugins/motd_rotator.wasm
 *
 * - `.c`: Debian's clang (`clang-19`, `lld-19`, `libclang-rt-19-dev-wasm32`, `wasi-libc`)
 *   compiles a core module with examples/wasm/c/infrarust_plugin.h on the include path; jco's
 *   wasm-tools embed the plugin world and adapt the module's WASI preview-1 imports (Debian 12's
 *   wasi-libc speaks preview 1) into a WASI preview-2 component.
 * - `.js`: componentize-js compiles the ES module, with a JavaScript engine, into a component.
 *
 * Both npm toolchains are devDependencies of infrarust-ts: `npm install` in its checkout.
 */
import { componentize } from "@bytecodealliance/componentize-js"
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const WIT_PATH = fileURLToPath(new URL("../../src/wasm/wit/plugin.wit", import.meta.url))
export const C_INCLUDE = fileURLToPath(new URL("./c", import.meta.url))
export const CLANG = "clang-19"

/** An installed package's directory, found the way Node looks (their `exports` hide package.json). */
export const packageDir = (name: string): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    if (existsSync(join(candidate, "package.json"))) return candidate
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (npm install)`)
  }
}

/** jco's WASI preview-1 → preview-2 adapter for reactors (libraries without `main`). */
const reactorAdapter = () => readFileSync(join(packageDir("@bytecodealliance/jco"), "lib", "wasi_snapshot_preview1.reactor.wasm"))

/** C sources → a plugin component. `defines` become `-D` flags. */
export const buildC = async (sources: ReadonlyArray<string>, defines: ReadonlyArray<string> = []): Promise<Uint8Array> => {
  const dir = mkdtempSync(join(tmpdir(), "infrarust-wasm-c-"))
  try {
    const core = join(dir, "core.wasm")
    const flags = ["--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-Wall", "-Werror", "-I", C_INCLUDE]
    execFileSync(CLANG, [...flags, ...defines.map((d) => `-D${d}`), "-o", core, ...sources], { stdio: ["ignore", "pipe", "pipe"] })
    const embedded = await componentEmbed({ binary: readFileSync(core), witSource: readFileSync(WIT_PATH, "utf8"), world: "plugin", stringEncoding: "utf8" })
    return await componentNew(embedded, [["wasi_snapshot_preview1", reactorAdapter()]])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A JavaScript ES module → a plugin component (tens of seconds: it embeds a JS engine). */
export const buildJs = async (source: string): Promise<Uint8Array> => {
  const { component } = await componentize({
    sourcePath: source,
    witPath: WIT_PATH,
    worldName: "plugin",
    // A plugin is granted no clock, network or HTTP: leave the engine's support for them out.
    disableFeatures: ["http", "fetch-event", "clocks"]
  })
  return component
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [source, output] = process.argv.slice(2)
  if (source === undefined || output === undefined || !/\.(c|js)$/.test(source)) {
    console.error("usage: node examples/wasm/build.ts <plugin.c | plugin.js> <output.wasm>")
    process.exit(2)
  }
  const component = await (source.endsWith(".c") ? buildC([source]) : buildJs(source))
  writeFileSync(output, component)
  console.log(`${output}: ${component.length} bytes`)
}
