/**
 * Building WebAssembly plugins from source in the test run, with the build script users run
 * (examples/wasm/build.ts) and the toolchains that install here: componentize-js and jco from
 * npm, clang and wasi-libc from Debian (the pretest installer, installPeers.ts, puts them in place).
 *
 * A JavaScript build embeds a JS engine and takes tens of seconds, so JS builds are kept in the
 * system's temp directory by the hash of everything that goes into them (source, WIT, the
 * componentize-js version): a rerun with the same inputs reuses the component, any change
 * rebuilds it. C builds take under a second and are never kept.
 *
 * Effect-free: the bench builds its subject plugin with it too.
 */
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { buildC, buildJs, packageDir, WIT_PATH } from "../../examples/wasm/build.ts"

export { WIT_PATH }
export const example = (path: string) => fileURLToPath(new URL(`../../examples/wasm/${path}`, import.meta.url))

const HOSTILE = fileURLToPath(new URL("./wasm/hostile.c", import.meta.url))

/** C sources (with infrarust_plugin.h on the include path) → a plugin component. */
export const buildCPlugin = (sources: ReadonlyArray<string>, options: { readonly defines?: ReadonlyArray<string> } = {}): Promise<Uint8Array> =>
  buildC(sources, options.defines)

/** One of the test plugins of test/support/wasm/hostile.c: LOOP, HOG, TRAP, BAD_HOST_CALL or GOOD. */
export const hostile = (define: string) => buildCPlugin([HOSTILE], { defines: [define] })

const componentizeVersion = () => (JSON.parse(readFileSync(join(packageDir("@bytecodealliance/componentize-js"), "package.json"), "utf8")) as { version: string }).version

/** A JavaScript ES module → a plugin component (reused while its inputs are unchanged). */
export const buildJsPlugin = async (source: string): Promise<Uint8Array> => {
  const hash = createHash("sha256").update(readFileSync(source)).update(readFileSync(WIT_PATH)).update(componentizeVersion()).digest("hex").slice(0, 24)
  const cacheDir = join(tmpdir(), "infrarust-wasm-js")
  const cached = join(cacheDir, `${hash}.wasm`)
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached))
  const component = await buildJs(source)
  mkdirSync(cacheDir, { recursive: true })
  // Written aside and renamed: a test file building the same plugin at the same time reads a whole one.
  writeFileSync(`${cached}.${process.pid}.tmp`, component)
  renameSync(`${cached}.${process.pid}.tmp`, cached)
  return component
}
