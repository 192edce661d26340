/**
 * Stand-ins for packaging/Dockerfile's base images, made on this machine without a registry
 * (Docker Hub is not reachable from the test machines): a Debian bookworm rootfs bootstrapped by
 * mmdebstrap (minbase: essential packages and apt, what debian:bookworm-slim holds) from the
 * machine's own Debian mirror, imported as the "debian" base; the same rootfs plus the Node 24
 * the repository runs on and the npm running the tests, under /usr/local as in the official
 * node image, as the "node" base. The node base carries the certificates this machine trusts
 * (NODE_EXTRA_CA_CERTS and the system bundle: a TLS-inspecting proxy in front of the npm
 * registry) as NODE_EXTRA_CA_CERTS, as a site's own base image would; without them, the build's
 * `npm ci` could not reach the registry.
 *
 * Nothing is cached across runs: the tar files live in the engine's directory, which its
 * teardown deletes.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { DockerEngine } from "./DockerEngine.ts"
import { NODE } from "./DockerEngine.ts"
import { run } from "./Run.ts"

export const DEBIAN_BASE = "infrarust-test/debian:bookworm"

/**
 * The certificates this machine trusts beyond Node's own: NODE_EXTRA_CA_CERTS when set, and the
 * system bundle, which npm here is configured to use (`cafile`) and which holds the CA of a
 * TLS-inspecting proxy in front of the registry. A clean environment (CI) may have only the latter.
 */
const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
const hostCaFiles = (): ReadonlyArray<string> =>
  [process.env.NODE_EXTRA_CA_CERTS, SYSTEM_CA_BUNDLE].filter((f): f is string => f !== undefined && f !== "" && existsSync(f))
export const NODE_BASE = "infrarust-test/node:24-bookworm"
const SUITE = "bookworm"
const FALLBACK_MIRROR = "http://deb.debian.org/debian"
const BOOTSTRAP_TIMEOUT_MS = 240_000

export interface BaseImages {
  readonly debian: string
  readonly node: string
  /** Milliseconds per step (bootstrap, imports), for the test's log. */
  readonly timings: Record<string, number>
}

/** The first Debian archive URI for the suite in /etc/apt/sources.list{,.d/*} (deb822 or one-line). */
export const debianMirror = (): string => {
  const files = ["/etc/apt/sources.list", ...(existsSync("/etc/apt/sources.list.d") ? readdirSync("/etc/apt/sources.list.d").map((f) => join("/etc/apt/sources.list.d", f)) : [])]
  for (const file of files.filter((f) => existsSync(f) && /\.(list|sources)$/.test(f))) {
    const text = readFileSync(file, "utf8")
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1]
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? []
      if (uri !== undefined && suites.includes(SUITE) && uri.endsWith("/debian")) return uri
    }
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+/debian)\\s+${SUITE}\\s`, "m").exec(text)
    if (line !== null) return line[1]!
  }
  return FALLBACK_MIRROR
}

/** The npm package directory of the npm running the tests (or the one on PATH). */
const npmRoot = async (): Promise<string> => {
  const cli = process.env.npm_execpath ?? (await run("sh", ["-c", "command -v npm"])).stdout.trim()
  let dir = dirname(realpathSync(cli))
  while (!existsSync(join(dir, "package.json")) || (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name !== "npm") {
    if (dir === dirname(dir)) throw new Error(`no npm package above ${cli}`)
    dir = dirname(dir)
  }
  return dir
}

const timed = async <A>(timings: Record<string, number>, step: string, f: () => Promise<A>): Promise<A> => {
  const start = performance.now()
  const a = await f()
  timings[step] = Math.round(performance.now() - start)
  return a
}

export const makeBaseImages = async (engine: DockerEngine): Promise<BaseImages> => {
  const dir = join(engine.dir, "base-images")
  mkdirSync(dir)
  const timings: Record<string, number> = {}
  const docker = (args: ReadonlyArray<string>) => run("docker", args, { env: { DOCKER_HOST: engine.unixEndpoint } })
  const debianTar = join(dir, "debian.tar")
  await timed(timings, "mmdebstrap", () =>
    run("mmdebstrap", ["--variant=minbase", "--dpkgopt=force-unsafe-io", "--quiet", SUITE, debianTar, debianMirror()], { timeoutMs: BOOTSTRAP_TIMEOUT_MS }))
  await timed(timings, "import debian", () => docker(["import", debianTar, DEBIAN_BASE]))

  // The node base: the rootfs with files appended (only new paths: import refuses duplicates).
  const stage = join(dir, "node")
  mkdirSync(join(stage, "usr/local/bin"), { recursive: true })
  mkdirSync(join(stage, "usr/local/lib/node_modules"), { recursive: true })
  copyFileSync(NODE, join(stage, "usr/local/bin/node"))
  cpSync(await npmRoot(), join(stage, "usr/local/lib/node_modules/npm"), { recursive: true })
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(stage, "usr/local/bin/npm"))
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(stage, "usr/local/bin/npx"))
  const added = ["./usr/local/bin/node", "./usr/local/bin/npm", "./usr/local/bin/npx", "./usr/local/lib/node_modules"]
  const changes: Array<string> = []
  const cas = hostCaFiles()
  if (cas.length > 0) {
    mkdirSync(join(stage, "usr/local/etc"), { recursive: true })
    writeFileSync(join(stage, "usr/local/etc/extra-ca-certs.pem"), cas.map((f) => readFileSync(f, "utf8")).join("\n"))
    added.push("./usr/local/etc/extra-ca-certs.pem")
    changes.push("--change", "ENV NODE_EXTRA_CA_CERTS=/usr/local/etc/extra-ca-certs.pem")
  }
  const nodeTar = join(dir, "node.tar")
  copyFileSync(debianTar, nodeTar)
  await run("tar", ["-rf", nodeTar, "-C", stage, "--owner=0", "--group=0", ...added])
  await timed(timings, "import node", () => docker(["import", ...changes, nodeTar, NODE_BASE]))
  return { debian: DEBIAN_BASE, node: NODE_BASE, timings }
}
