/**
 * Test rig for the zero_copy relay: builds the addon when it is missing, and wires
 * client → tiny proxy → backend on 127.0.0.1, where the proxy hands both of its sockets to
 * `startSplice`. Everything listens on port 0 and is closed by `close()`.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, realpathSync, rmdirSync } from "node:fs"
import * as Net from "node:net"
import { dirname, join } from "node:path"
import { DEFAULT_ADDON_PATH, loadAddon, type SpliceAddon } from "../../../src/native/Addon.ts"
import { type SpliceHandle, type SpliceOptions, type SpliceResult, startSplice } from "../../../src/relay/splice/Splice.ts"
import { SpliceStartError } from "../../../src/native/SpliceStartError.ts"

const ADDON_DIR = join(dirname(DEFAULT_ADDON_PATH), "..", "..")

const nodeGypScript = (): string | undefined => {
  const candidates = [process.env["npm_config_node_gyp"], "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"]
  try {
    const npm = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim())
    candidates.push(join(dirname(npm), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"))
  } catch {
    // no npm on PATH: the fixed candidates remain
  }
  return candidates.find((c): c is string => c !== undefined && existsSync(c))
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Builds the addon once (test files run in parallel workers, so under a directory lock). */
const build = (): void => {
  const lock = join(ADDON_DIR, ".build-lock")
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (waited > 120_000) throw new Error(`zero_copy test rig: ${lock} held for 2 minutes; remove it`)
      sleepSync(100)
    }
  }
  try {
    if (existsSync(DEFAULT_ADDON_PATH)) return
    const gyp = nodeGypScript()
    if (gyp === undefined) throw new Error("zero_copy test rig: node-gyp not found (it ships with npm)")
    const nodedir = process.env["npm_config_nodedir"] ??
      (existsSync("/usr/include/node/node_api.h") ? "/usr" : undefined)
    const args = [gyp, "rebuild", `--directory=${ADDON_DIR}`, ...(nodedir !== undefined ? [`--nodedir=${nodedir}`] : [])]
    try {
      execFileSync(process.execPath, args, { stdio: "pipe" })
    } catch (e) {
      const out = e as { stdout?: Buffer; stderr?: Buffer }
      throw new Error(`zero_copy test rig: building the addon failed:\n${out.stdout}\n${out.stderr}`)
    }
  } finally {
    rmdirSync(lock)
  }
}

/** The real addon, built first if needed; throws a clear error when that is impossible. */
export const ensureAddon = (): SpliceAddon => {
  if (!existsSync(DEFAULT_ADDON_PATH)) build()
  const addon = loadAddon(DEFAULT_ADDON_PATH)
  if (addon instanceof SpliceStartError) throw new Error(`zero_copy test rig: ${addon.message}`)
  return addon
}

export const fdCount = (): number => readdirSync("/proc/self/fd").length
export const threadCount = (): number => readdirSync("/proc/self/task").length

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const waitFor = async (what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

const listen = (server: Net.Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as Net.AddressInfo).port)))

export interface Spliced {
  /** The test's client, connected to the proxy. */
  readonly client: Net.Socket
  /** The backend server's side of the proxy → backend connection. */
  readonly backend: Net.Socket
  /** The proxy's two sockets, owned by the splice while it runs. */
  readonly proxyClient: Net.Socket
  readonly proxyBackend: Net.Socket
  readonly handle: SpliceHandle
  readonly result: Promise<SpliceResult>
  /** Destroys every socket and server of this rig. */
  readonly close: () => Promise<void>
  /** Lets the process exit while the rig's own sockets and servers are open (not the relay). */
  readonly unref: () => void
}

export interface RigOptions {
  readonly splice?: SpliceOptions
  /** Runs in the proxy just before startSplice (e.g. write a handshake, wait for early bytes). */
  readonly beforeSplice?: (proxyClient: Net.Socket, proxyBackend: Net.Socket, backend: Net.Socket) => Promise<void>
  /** Runs on the backend's accepted socket as soon as it exists. */
  readonly onBackend?: (backend: Net.Socket) => void
  /** Runs on the test's client right after it starts connecting (before the hand-off). */
  readonly onClient?: (client: Net.Socket) => void
}

export const splicedPair = async (options: RigOptions = {}): Promise<Spliced> => {
  const backendSockets: Array<Net.Socket> = []
  const backendServer = Net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    backendSockets.push(s)
    options.onBackend?.(s)
  })
  const proxyServer = Net.createServer({ allowHalfOpen: true, noDelay: true })
  const backendPort = await listen(backendServer)
  const proxyPort = await listen(proxyServer)

  const proxied = new Promise<{ proxyClient: Net.Socket; proxyBackend: Net.Socket; handle: SpliceHandle; result: Promise<SpliceResult> }>(
    (resolve, reject) => {
      proxyServer.once("connection", (proxyClient) => {
        const proxyBackend = Net.connect({ port: backendPort, host: "127.0.0.1", allowHalfOpen: true, noDelay: true })
        proxyBackend.once("connect", () => {
          void (async () => {
            await waitFor("backend accept", () => backendSockets.length > 0)
            await options.beforeSplice?.(proxyClient, proxyBackend, backendSockets[0]!)
            let onEnd: (r: SpliceResult) => void = () => {}
            const result = new Promise<SpliceResult>((r) => (onEnd = r))
            const handle = startSplice(proxyClient, proxyBackend, options.splice ?? {}, onEnd)
            if (handle instanceof SpliceStartError) return reject(handle)
            resolve({ proxyClient, proxyBackend, handle, result })
          })().catch(reject)
        })
      })
    }
  )
  const client = Net.connect({ port: proxyPort, host: "127.0.0.1", allowHalfOpen: true, noDelay: true })
  options.onClient?.(client)
  const { handle, proxyBackend, proxyClient, result } = await proxied
  const backend = backendSockets[0]!
  for (const s of [client, backend, proxyClient, proxyBackend]) s.on("error", () => {})
  const close = async () => {
    for (const s of [client, backend, proxyClient, proxyBackend]) s.destroy()
    await Promise.all([backendServer, proxyServer].map((srv) => new Promise((r) => srv.close(r))))
  }
  const unref = () => {
    for (const x of [client, backend, proxyClient, proxyBackend, backendServer, proxyServer]) x.unref()
  }
  return { client, backend, proxyClient, proxyBackend, handle, result, close, unref }
}

/** Collects everything a socket receives until EOF. */
export const collect = (socket: Net.Socket): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    socket.on("data", (c: Buffer) => chunks.push(c))
    socket.once("end", () => resolve(Buffer.concat(chunks)))
    socket.once("error", reject)
  })
