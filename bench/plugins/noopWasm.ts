/**
 * Builds bench/plugins/noop.c into `<dir>/noop_wasm.wasm` and returns the `[plugins.noop_wasm]`
 * table that loads it (subject passthrough+wasm).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { buildC } from "../../examples/wasm/build.ts"

export const noopWasmPlugin = async (dir: string): Promise<string> => {
  const file = Path.join(dir, "noop_wasm.wasm")
  Fs.writeFileSync(file, await buildC([fileURLToPath(new URL("./noop.c", import.meta.url))]))
  return `\n[plugins.noop_wasm]\npath = ${JSON.stringify(file)}\n`
}
