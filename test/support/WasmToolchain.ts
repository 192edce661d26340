/**
 * Building WebAssembly plugins from source in the test run, with the toolchains that install here
 * from npm and Debian (the pretest installer, installPeers.ts, puts the Debian ones in place):
 *
 * - JavaScript: componentize-js (npm) turns an ES module into a component of the plugin world;
 *   it embeds a JS engine, so a build takes tens of seconds. Builds are kept in the system's
 *   temp directory by the hash of everything that goes into them (source, WIT, toolchain
 *   version): a rerun with the same inputs reuses the component, a change rebuilds it.
 * - C: Debian's clang and wasi-libc compile to a core module (Debian 12's wasi-libc is WASI
 *   preview 1), which jco's wasm-tools turn into a preview-2 component: the world's metadata
 *   is embedded and the preview-1 imports are adapted with jco's reactor adapter. Under a second.
 *
 * Effect-free: the bench builds its subject plugin with it too.
 */
import { componentize } from "@bytecodealliance/componentize-js"
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { WASI_CLANG } from "./Peers.ts"

export const WIT_PATH = fileURLToPath(new URL("../../src/wasm/wit/plugin.wit", import.meta.url))
export const C_INCLUDE = fileURLToPath(new URL("../../examples/wasm/c", import.meta.url))
export const example = (path: string) => fileURLToPath(new URL(`../../examples/wasm/${path}`, import.meta.url))

/** An installed package's directory, found the way Node looks (their `exports` hide package.json). */
const packageDir = (name: string): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    if (existsSync(join(candidate, "package.json"))) return candidate
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (npm install)`)
  }
}

/** jco's WASI preview-1 → preview-2 adapter for reactors (libraries with no `main`). */
const reactorAdapter = () => readFileSync(join(packageDir("@bytecodealliance/jco"), "lib", "wasi_snapshot_preview1.reactor.wasm"))

const componentizeVersion = () => (JSON.parse(readFileSync(join(packageDir("@bytecodealliance/componentize-js"), "package.json"), "utf8")) as { version: string }).version

const HOSTILE = fileURLToPath(new URL("./wasm/hostile.c", import.meta.url))
/** One of the misbehaving test plugins of test/support/wasm/hostile.c (LOOP, HOG, TRAP, BAD_HOST_CALL, GOOD). */
export const hostile = (define: string) => buildCPlugin([HOSTILE], { defines: [define] })

/** Compiles C sources (with infrarust_plugin.h on the include path) into a plugin component. */
export const buildCPlugin = async (sources: ReadonlyArray<string>, options: { readonly defines?: ReadonlyArray<string> } = {}): Promise<Uint8Array> => {
  const dir = mkdtempSync(join(tmpdir(), "infrarust-wasm-c-"))
  try {
    const core = join(dir, "core.wasm")
    execFileSync(WASI_CLANG, [
      "--target=wasm32-wasi",
      "-mexec-model=reactor",
      "-O2",
      "-Wall",
      "-Werror",
      "-I",
      C_INCLUDE,
      ...(options.defines ?? []).map((d) => `-D${d}`),
      "-o",
      core,
      ...sources
    ], { stdio: ["ignore", "pipe", "pipe"] })
    const embedded = await componentEmbed({ binary: readFileSync(core), witSource: readFileSync(WIT_PATH, "utf8"), world: "plugin", stringEncoding: "utf8" })
    return await componentNew(embedded, [["wasi_snapshot_preview1", reactorAdapter()]])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Turns a JavaScript ES module into a plugin component (reused while its inputs are unchanged). */
export const buildJsPlugin = async (source: string): Promise<Uint8Array> => {
  const hash = createHash("sha256").update(readFileSync(source)).update(readFileSync(WIT_PATH)).update(componentizeVersion()).digest("hex").slice(0, 24)
  const cacheDir = join(tmpdir(), "infrarust-wasm-js")
  const cached = join(cacheDir, `${hash}.wasm`)
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached))
  const { component } = await componentize({
    sourcePath: source,
    witPath: WIT_PATH,
    worldName: "plugin",
    // A plugin gets no clock, network or HTTP: leave the engine's support for them out.
    disableFeatures: ["http", "fetch-event", "clocks"]
  })
  mkdirSync(cacheDir, { recursive: true })
  // Written aside and renamed: a test file building the same plugin at the same time reads a whole one.
  writeFileSync(`${cached}.${process.pid}.tmp`, component)
  renameSync(`${cached}.${process.pid}.tmp`, cached)
  return component
}
