/**
 * A real Docker Engine for the Docker tests (../shared/docs/test-peers.md §6): one dockerd of
 * their own, with its data root, exec root, pidfile and sockets in a temporary directory, no
 * bridge, no iptables (containers use host networking and loopback ports only), the vfs storage
 * driver unless the caller asks for overlay2 (makeDockerEngine). It listens on a unix socket and
 * on a loopback TCP port, so both endpoint kinds are exercised.
 *
 * No image is pulled: a base image is made with `docker import` from an almost empty rootfs,
 * and containers bind-mount the host's /usr and /etc read-only (Debian's merged /usr), plus the
 * repository and its node_modules read-only, so they run Node 24 and the test's own Minecraft
 * server. If dockerd cannot start, acquiring this fails with the reason and its output.
 *
 * Teardown removes every container, stops dockerd, unmounts what it left mounted (its network
 * namespace files) and deletes the directory without crossing into other file systems.
 */
import { Context, Effect, Layer, Result, type Scope } from "effect"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { onPath } from "./Peers.ts"
import { freeLowPort } from "./Ports.ts"
import { ensureSbinOnPath } from "./SystemPath.ts"

ensureSbinOnPath()

/** The repository root and the node_modules it runs from (a symlink in git worktrees). */
export const REPO = realpathSync(fileURLToPath(new URL("../../", import.meta.url)))
const NODE_MODULES = realpathSync(join(REPO, "node_modules"))
/** Node 24 from the `node` devDependency, by its real path (mounted at the same path). */
export const NODE = realpathSync(join(REPO, "node_modules/.bin/node"))
export const BASE_IMAGE = "infrarust-test/base:1"

export interface DockerEngine {
  readonly dir: string
  /** `unix://<dir>/docker.sock`. */
  readonly unixEndpoint: string
  /** `tcp://127.0.0.1:<port>`. */
  readonly tcpEndpoint: string
  /** Runs the docker CLI against this engine; returns its trimmed stdout. */
  readonly cli: (args: ReadonlyArray<string>) => string
  /** The `-v` options every test container needs (host /usr and /etc, the repository). */
  readonly mounts: ReadonlyArray<string>
  /** Stops dockerd (its containers stop with it) and starts it again on the same data. */
  readonly restart: Effect.Effect<void, Error>
  /** What dockerd printed so far. */
  readonly output: () => string
}

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 30_000

const ping = (socket: string): Promise<boolean> =>
  new Promise((resolve) => {
    const request = Http.get({ socketPath: socket, path: "/_ping", timeout: 1000 }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    request.on("error", () => resolve(false))
    request.on("timeout", () => request.destroy())
  })

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()))

/** Mount points under `dir` (deepest first), from /proc/self/mountinfo. */
const mountsUnder = (dir: string): Array<string> =>
  readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)

export interface DockerEngineOptions {
  /**
   * vfs (the default) works on any file system, overlay roots included, but copies every layer
   * whole; an image build (DockerImage.e2e.test.ts) wants overlay2, which needs the temporary
   * directory on a file system overlayfs accepts as its upper layer (ext4, xfs).
   */
  readonly storageDriver?: "vfs" | "overlay2"
}

export const makeDockerEngine = (options: DockerEngineOptions = {}): Effect.Effect<DockerEngine, Error, Scope.Scope> => Effect.gen(function*() {
  if (!onPath("dockerd") || !onPath("docker")) {
    return yield* Effect.fail(new Error("dockerd or the docker CLI is not installed: npm test's pretest installs docker.io (apt-get install docker.io)"))
  }
  const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-docker-"))
  const socket = join(dir, "docker.sock")
  const tcpPort = yield* Effect.promise(freeLowPort)
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` }
  let output = ""
  let child: ChildProcess | undefined

  const start = Effect.tryPromise({
    try: async () => {
      output = ""
      const daemon = spawn("dockerd", [
        "--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "--pidfile", join(dir, "dockerd.pid"),
        "-H", `unix://${socket}`, "-H", `tcp://127.0.0.1:${tcpPort}`,
        "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none", `--storage-driver=${options.storageDriver ?? "vfs"}`
      ], { stdio: ["ignore", "pipe", "pipe"] })
      child = daemon
      daemon.stdout!.on("data", (c: Buffer) => (output += c.toString()))
      daemon.stderr!.on("data", (c: Buffer) => (output += c.toString()))
      const deadline = Date.now() + READY_TIMEOUT_MS
      while (!(await ping(socket))) {
        if (daemon.exitCode !== null) throw new Error(`dockerd exited with code ${daemon.exitCode}:\n${output.slice(-4000)}`)
        if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${READY_TIMEOUT_MS} ms:\n${output.slice(-4000)}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  })

  const stop = Effect.promise(async () => {
    const daemon = child
    if (daemon === undefined) return
    const gone = exited(daemon)
    daemon.kill("SIGTERM")
    const timer = setTimeout(() => daemon.kill("SIGKILL"), STOP_TIMEOUT_MS)
    await gone
    clearTimeout(timer)
    // Its network namespace files can stay mounted; they must go before the directory does.
    for (const point of mountsUnder(dir)) Result.try(() => execFileSync("umount", ["-l", point], { stdio: "ignore" }))
  })

  const cli = (args: ReadonlyArray<string>): string =>
    execFileSync("docker", [...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

  yield* Effect.acquireRelease(start, () =>
    // A dockerd that is already gone stops its containers itself.
    Effect.sync(() =>
      Result.try(() => {
        const all = cli(["ps", "-aq"]).split("\n").filter((id) => id !== "")
        if (all.length > 0) cli(["rm", "-f", ...all])
      })
    ).pipe(
      Effect.andThen(stop),
      Effect.andThen(Effect.sync(() => execFileSync("rm", ["-rf", "--one-file-system", dir], { stdio: "ignore" })))
    ))

  // The base image: empty directories for mount points and the merged-/usr links.
  const rootfs = join(dir, "rootfs")
  for (const sub of ["usr", "etc", "proc", "sys", "dev", "tmp"]) mkdirSync(join(rootfs, sub), { recursive: true })
  for (const link of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${link}`, join(rootfs, link))
  execFileSync("sh", ["-c", `tar -C "${rootfs}" -c . | docker import - ${BASE_IMAGE}`], { env, stdio: "ignore" })

  const mounts = ["/usr:/usr:ro", "/etc:/etc:ro", `${REPO}:${REPO}:ro`, ...(NODE_MODULES.startsWith(`${REPO}/`) ? [] : [`${NODE_MODULES}:${NODE_MODULES}:ro`])]
  return {
    dir,
    unixEndpoint: `unix://${socket}`,
    tcpEndpoint: `tcp://127.0.0.1:${tcpPort}`,
    cli,
    mounts,
    restart: Effect.andThen(stop, start),
    output: () => output
  }
})

export const dockerEngine: Effect.Effect<DockerEngine, Error, Scope.Scope> = makeDockerEngine()

/** One engine for a whole test file (`layer(TestDocker.layer)(...)`). */
export class TestDocker extends Context.Service<TestDocker, DockerEngine>()("test/support/TestDocker") {
  static readonly layer = Layer.effect(TestDocker, dockerEngine)
}
