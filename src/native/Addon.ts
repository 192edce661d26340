/**
 * Loads the zero_copy native addon (built by `npm install` into `build/Release/zero_copy.node`)
 * and describes its raw interface.
 *
 * Loading never throws: a missing build, a non-Linux platform or a module that does not look
 * like ours is a `SpliceStartError("Unavailable")`, remembered per path so the cost (and the
 * caller's one warning) is paid once. `INFRARUST_SPLICE_ADDON` or an explicit path points the
 * loader elsewhere (tests use it to simulate a missing build without deleting the real one).
 */
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { SpliceStartError } from "./SpliceStartError.ts"

/** Opaque handle of one parked or running pair (a Node-API External). */
export type NativePair = { readonly __nativePair: unique symbol }

/** Called once per pair that ran; `error` and `errorSide` only with reason "error". */
export type NativeOnEnd = (
  reason: string,
  c2b: number,
  b2c: number,
  error: string | undefined,
  errorSide: string | undefined
) => void

export interface SpliceAddon {
  /** dup()s both sockets and opens the pipes; the pair is parked. A string says why not. */
  readonly start: (clientFd: number, backendFd: number, idleMs: number, onEnd: NativeOnEnd) => NativePair | string
  /** Hands a parked pair to the relay thread; a string says why not (the pair is then closed). */
  readonly run: (pair: NativePair) => string | undefined
  /** Running: ends it with "cancelled". Parked: closes it without calling onEnd. */
  readonly cancel: (pair: NativePair) => void
  /** Bytes delivered so far: [client→backend, backend→client]. */
  readonly bytes: (pair: NativePair) => [number, number]
  readonly stats: () => { readonly threadRunning: boolean; readonly pairs: number }
  /** SO_KEEPALIVE with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT; a string says why not. */
  readonly keepalive: (fd: number, idleSec: number, intervalSec: number, count: number) => string | undefined
  /** The socket's keepalive settings: [enabled (0/1), idle s, interval s, count]. */
  readonly keepaliveOf: (fd: number) => [number, number, number, number]
  /** The socket's TCP_NODELAY: 1 on, 0 off, -1 unreadable. */
  readonly noDelayOf: (fd: number) => number
  /** Bytes per kernel pipe, one pipe per direction. */
  readonly pipeCapacity: number
}

export const ADDON_PATH_ENV = "INFRARUST_SPLICE_ADDON"

export const DEFAULT_ADDON_PATH = fileURLToPath(new URL("./build/Release/zero_copy.node", import.meta.url))

/** The path the loader uses when none is given: the environment variable, else the build. */
export const addonPath = (): string => {
  const fromEnv = process.env[ADDON_PATH_ENV]
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_ADDON_PATH
}

const loaded = new Map<string, SpliceAddon | SpliceStartError>()
const requireNative = createRequire(import.meta.url)

const isAddon = (value: unknown): value is SpliceAddon => {
  if (typeof value !== "object" || value === null) return false
  const m = value as Record<string, unknown>
  return ["start", "run", "cancel", "bytes", "stats", "keepalive", "keepaliveOf", "noDelayOf"].every((k) => typeof m[k] === "function") &&
    typeof m["pipeCapacity"] === "number"
}

const load = (path: string): SpliceAddon | SpliceStartError => {
  if (process.platform !== "linux") {
    return new SpliceStartError({ reason: "Unavailable", detail: `splice(2) needs Linux, this is ${process.platform}` })
  }
  let value: unknown
  try {
    value = requireNative(path)
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e)
    return new SpliceStartError({ reason: "Unavailable", detail: `cannot load ${path}: ${why}` })
  }
  return isAddon(value)
    ? value
    : new SpliceStartError({ reason: "Unavailable", detail: `${path} is not the zero_copy addon` })
}

/** The addon at `path` (default: {@link addonPath}), or why it cannot be used. Memoized. */
export const loadAddon = (path: string = addonPath()): SpliceAddon | SpliceStartError => {
  const known = loaded.get(path)
  if (known !== undefined) return known
  const result = load(path)
  loaded.set(path, result)
  return result
}

/**
 * The addon at the default path, loaded once: {@link addonPath} reads the environment on every
 * call, which is not free per session or per socket. For the proxy's own callers (zero_copy
 * sessions, keepalive); tests that switch `INFRARUST_SPLICE_ADDON` at run time use `loadAddon`.
 */
let defaultLoaded: SpliceAddon | SpliceStartError | undefined
export const defaultAddon = (): SpliceAddon | SpliceStartError => (defaultLoaded ??= loadAddon())

export const isAvailable = (path?: string): boolean => !(loadAddon(path) instanceof SpliceStartError)

/** Why the addon is unavailable, or undefined when it loaded. */
export const loadError = (path?: string): SpliceStartError | undefined => {
  const result = loadAddon(path)
  return result instanceof SpliceStartError ? result : undefined
}
