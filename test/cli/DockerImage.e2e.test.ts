/**
 * packaging/Dockerfile built and run on a real Docker Engine (one dockerd for this file,
 * test/support/DockerEngine.ts, with overlay2 unless the temporary directory is itself on
 * overlayfs: vfs copies every layer whole, which makes the build several times slower). No
 * registry is reachable, so the base images are made here (test/support/BaseImages.ts: a Debian
 * bookworm minbase from the machine's Debian mirror, and the same plus Node 24 and npm) and
 * passed as the Dockerfile's NODE_IMAGE and DEBIAN_IMAGE build arguments; `npm ci` in the build
 * stage reaches the npm registry over the host network (dockerd has no bridge). The build context
 * is what packaging/Dockerfile.dockerignore lets through.
 *
 * Proven: the image builds; its process is the proxy itself (the launcher execs Node, PID 1 in
 * the container) running as uid 10001; with the documented `--bind` override and a mounted
 * `servers/`, a real Minecraft status ping through it reaches the demo backend; the image's own
 * HEALTHCHECK (interval shortened by `docker run --health-interval`) turns healthy by pinging
 * the address INFRARUST_HEALTHCHECK_ADDRESS names; `docker stop` drains and exits 0.
 *
 * Not covered: the zero_copy addon in the image (ADDON_TOOLCHAIN is empty here: node-gyp would
 * need Node's headers from nodejs.org, which is not reachable, and apt-get of g++ costs a
 * minute), BuildKit (the docker CLI here has no buildx plugin; the classic builder builds the
 * same file), and the public node/debian images themselves. About 2.5 minutes here: a minute for
 * the Debian bootstrap, a minute for the build (`npm ci` 40 s, then mostly the runtime stage's
 * copy of /app), seconds for the rest.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BaseImages, makeBaseImages } from "../support/BaseImages.ts"
import { type DockerEngine, makeDockerEngine, REPO } from "../support/DockerEngine.ts"
import { ping } from "../support/McClients.ts"
import { eventually } from "../support/Poll.ts"
import { freeLowPort, waitForPort } from "../support/Ports.ts"
import { run } from "../support/Run.ts"

const IMAGE = "infrarust-test/infrarust-ts:test"
const BUILD_TIMEOUT_MS = 420_000
const STOP_GRACE_S = 30

const scope = Effect.runSync(Scope.make())
let engine: DockerEngine
let bases: BaseImages
let port: number
let container: string
const timings: Record<string, number> = {}

const docker = (args: ReadonlyArray<string>, timeoutMs?: number) =>
  run("docker", args, { env: { DOCKER_HOST: engine.unixEndpoint, DOCKER_BUILDKIT: "0" }, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
    .then((r) => r.stdout.trim())
const inspect = async (format: string) => await docker(["inspect", "--format", format, container])

/** The files BuildKit would send with packaging/Dockerfile.dockerignore, as a context directory. */
const buildContext = (dir: string): string => {
  const ignore = readFileSync(join(REPO, "packaging/Dockerfile.dockerignore"), "utf8").split("\n").map((l) => l.trim())
  const included = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1))
  const excluded = ignore.filter((l) => l !== "" && l !== "*" && !l.startsWith("!") && !l.startsWith("#"))
  for (const path of included) {
    cpSync(join(REPO, path), join(dir, path), { recursive: true, filter: (src) => !excluded.some((e) => src === join(REPO, e) || src.startsWith(join(REPO, e, "/"))) })
  }
  // The classic builder reads the context's .dockerignore (BuildKit reads <Dockerfile>.dockerignore).
  writeFileSync(join(dir, ".dockerignore"), ignore.join("\n"))
  mkdirSync(join(dir, "packaging"))
  cpSync(join(REPO, "packaging/Dockerfile"), join(dir, "packaging/Dockerfile"))
  return dir
}

/** The repository's demo server file with its backend on a free port, in a directory uid 10001 can read. */
const serversDir = (dir: string, demoPort: number): string => {
  mkdirSync(dir, { mode: 0o755 })
  chmodSync(dir, 0o755)
  const demo = readFileSync(join(REPO, "servers/demo.toml"), "utf8").replace("127.0.0.1:25564", `127.0.0.1:${demoPort}`)
  assert.include(demo, `127.0.0.1:${demoPort}`)
  writeFileSync(join(dir, "demo.toml"), demo, { mode: 0o644 })
  return dir
}

const timed = async <A>(step: string, f: () => Promise<A>): Promise<A> => {
  const start = performance.now()
  const a = await f()
  timings[step] = Math.round(performance.now() - start)
  return a
}

beforeAll(async () => {
  // overlay2 cannot stack on an overlay file system (a test machine that is itself a container).
  const onOverlay = (await run("stat", ["-f", "-c", "%T", tmpdir()])).stdout.trim() === "overlayfs"
  const storageDriver = onOverlay ? "vfs" : "overlay2"
  engine = await timed(`dockerd (${storageDriver})`, () => Effect.runPromise(Scope.provide(scope)(makeDockerEngine({ storageDriver }))))
  bases = await makeBaseImages(engine)
  Object.assign(timings, bases.timings)
  const context = buildContext(join(engine.dir, "context"))
  await timed("docker build", () =>
    docker([
      "build", "--network", "host", "-f", join(context, "packaging/Dockerfile"), "-t", IMAGE,
      "--build-arg", `NODE_IMAGE=${bases.node}`, "--build-arg", `DEBIAN_IMAGE=${bases.debian}`, "--build-arg", "ADDON_TOOLCHAIN=",
      context
    ], BUILD_TIMEOUT_MS))
  port = await freeLowPort()
  const servers = serversDir(join(engine.dir, "servers"), await freeLowPort())
  container = await docker([
    "run", "-d", "--network", "host", "--health-interval", "1s",
    "-e", `INFRARUST_HEALTHCHECK_ADDRESS=127.0.0.1:${port}`,
    "-v", `${servers}:/etc/infrarust/servers:ro`,
    IMAGE, "--config", "/etc/infrarust/infrarust.toml", "--bind", `127.0.0.1:${port}`
  ])
  await timed("proxy listening", () => waitForPort(port, 60_000))
  console.log(`docker image test timings (ms): ${JSON.stringify(timings)}`)
}, 600_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 60_000)

describe("the Docker image", () => {
  it("is built from the base-image arguments with a non-root user, the launcher and a status-ping HEALTHCHECK", async () => {
    const config = JSON.parse(await docker(["image", "inspect", "--format", "{{json .Config}}", IMAGE])) as {
      User: string
      Entrypoint: Array<string>
      Healthcheck: { Test: Array<string> }
    }
    assert.strictEqual(config.User, "infrarust:infrarust")
    assert.deepStrictEqual(config.Entrypoint, ["/app/src/cli/infrarust-ts"])
    assert.deepStrictEqual(config.Healthcheck.Test, ["CMD", "/app/node_modules/node/bin/node", "/app/src/cli/StatusPing.ts"])
    // The runtime stage is the Debian base plus layers: its first layer is the imported rootfs.
    const layers = (image: string) => docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", image]).then((s) => JSON.parse(s) as Array<string>)
    assert.strictEqual((await layers(IMAGE))[0], (await layers(bases.debian))[0])
  })

  it("runs the proxy itself as PID 1 of the container, as uid 10001", async () => {
    const pid = await inspect("{{.State.Pid}}")
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    assert.match(status, /^Uid:\s+10001\s+10001\s+10001\s+10001$/m)
    assert.match(status, /^Gid:\s+10001\s/m)
    // The launcher execs Node with the shipped flags: what docker signals is the proxy, not a shell.
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
    const flags = readFileSync(join(REPO, "src/cli/node-flags"), "utf8").split(/\s+/).filter((f) => f !== "")
    assert.deepStrictEqual(argv.slice(0, 2 + flags.length), ["/app/node_modules/node/bin/node", ...flags, "/app/src/main.ts"])
    assert.match(status, /^NSpid:\s+\d+\s+1$/m)
  })

  it("answers a Minecraft status ping with its demo backend, through the --bind override and a mounted servers/", async () => {
    const response = await ping("1.20.4", port, "localhost")
    assert.include(JSON.stringify(response["description"]), "infrarust-ts is running")
  }, 30_000)

  it("reports healthy through its own HEALTHCHECK, which pinged INFRARUST_HEALTHCHECK_ADDRESS", async () => {
    const healthy = await eventually(async () => (await inspect("{{.State.Health.Status}}")) === "healthy", 60_000)
    assert.isTrue(healthy, await inspect("{{json .State.Health}}"))
    const log = JSON.parse(await inspect("{{json .State.Health.Log}}")) as Array<{ ExitCode: number; Output: string }>
    assert.match(log.at(-1)!.Output, new RegExp(`^ok 127\\.0\\.0\\.1:${port} \\(healthcheck\\.invalid\\): `))
  }, 90_000)

  it("stops on `docker stop` (SIGTERM) by draining, with exit code 0", async () => {
    const start = performance.now()
    await docker(["stop", "--time", String(STOP_GRACE_S), container], (STOP_GRACE_S + 30) * 1000)
    assert.isBelow(performance.now() - start, STOP_GRACE_S * 1000, "stopped before docker's SIGKILL")
    assert.strictEqual(await inspect("{{.State.ExitCode}}"), "0", (await run("docker", ["logs", container], { env: { DOCKER_HOST: engine.unixEndpoint } })).stderr)
    assert.strictEqual(await inspect("{{.State.OOMKilled}}"), "false")
  }, 90_000)
})
