/**
 * Finding the third-party peers (HAProxy, nginx with its stream module) that the end-to-end
 * tests, `npm test`'s pretest installer and the bench run. Effect-free: the bench and the
 * installer are plain Node scripts.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

/** Where Debian's libnginx-mod-stream puts the stream module. */
export const NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"

/** True when `cmd` is on PATH (call SystemPath.ensureSbinOnPath first for daemons). */
export const onPath = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0

/** nginx built with `--with-stream` (not `=dynamic`) has the module compiled in (e.g. Nix). */
const streamBuiltIn = (): boolean => {
  const v = spawnSync("nginx", ["-V"], { encoding: "utf8" })
  return /--with-stream(\s|$)/.test(`${v.stdout}${v.stderr}`)
}

/** True when the nginx on PATH can run a `stream {}` block: the module file is there or built in. */
export const nginxHasStream = (): boolean => existsSync(NGINX_STREAM_MODULE) || streamBuiltIn()

/**
 * The lines an nginx.conf with a `stream {}` block opens with: Debian ships the stream module
 * separately and needs `load_module`; builds with it compiled in need no line (and would
 * refuse one for a file that does not exist).
 */
export const nginxStreamPreamble = (): ReadonlyArray<string> =>
  existsSync(NGINX_STREAM_MODULE) ? [`load_module ${NGINX_STREAM_MODULE};`] : []

/** Debian's clang for wasm32 with its compiler runtime and wasi-libc: what the C plugin builds need. */
export const WASI_CLANG = "clang-19"
export const WASI_LIBC = "/usr/lib/wasm32-wasi/libc.a"
export const WASM32_BUILTINS = "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a"

/** True when C sources can be compiled to WebAssembly plugins (test/support/WasmToolchain.ts). */
export const wasiClangReady = (): boolean => onPath(WASI_CLANG) && existsSync(WASI_LIBC) && existsSync(WASM32_BUILTINS)
