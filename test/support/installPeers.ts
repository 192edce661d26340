/**
 * `npm test` runs this first (the `pretest` script): it makes sure the real third-party
 * peers the end-to-end tests talk to are installed. npm packages come from package.json;
 * the Debian packages below are installed with apt-get when missing (CI machines run as
 * root). Without root and without the packages, it says exactly what to install and fails,
 * rather than letting tests skip.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { CHROMIUM } from "./Chromium.ts"
import { nginxHasStream, onPath, wasiClangReady } from "./Peers.ts"
import { ensureSbinOnPath } from "./SystemPath.ts"

ensureSbinOnPath()
completeNpmInstall()

/**
 * CI's `npm install` runs under the machine's Node 20, and npm silently skips optional packages
 * whose `engines` exclude the Node running it: @napi-rs/lzma's native binding (componentize-js →
 * weval, which builds the JavaScript WebAssembly plugins) wants Node 22 or newer. This script runs
 * under the project's Node 24, so installing again from the lock file here adds what was skipped.
 */
function completeNpmInstall(): void {
  if (loads("@napi-rs/lzma")) return
  console.log("npm install skipped optional packages for an older Node; installing them under this Node")
  const npm = process.env.npm_execpath
  const [command, args] = npm ? [process.execPath, [npm]] : ["npm", []]
  execFileSync(command, [...args, "install", "--no-audit", "--no-fund", "--ignore-scripts"], { stdio: "inherit" })
  if (!loads("@napi-rs/lzma")) {
    console.error("@napi-rs/lzma still has no native binding after reinstalling; see npm's output above")
    process.exit(1)
  }
}

/** Loaded in a child process: a failed require is remembered by the process that tried it. */
function loads(specifier: string): boolean {
  try {
    execFileSync(process.execPath, ["-e", `require(${JSON.stringify(specifier)})`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

interface Peer {
  readonly name: string
  /** True when the peer is usable. */
  readonly present: () => boolean
  readonly debianPackages: ReadonlyArray<string>
}

const peers: ReadonlyArray<Peer> = [
  { name: "HAProxy (PROXY protocol sender and receiver)", present: () => onPath("haproxy"), debianPackages: ["haproxy"] },
  {
    name: "nginx with the stream module (PROXY protocol v1 sender)",
    present: () => onPath("nginx") && nginxHasStream(),
    debianPackages: ["nginx", "libnginx-mod-stream"]
  },
  // playwright-core (package.json) drives it; it downloads no browser of its own.
  { name: "Chromium (the dashboard tests)", present: () => existsSync(CHROMIUM), debianPackages: ["chromium"] },
  {
    // The Docker tests start their own dockerd (test/support/DockerEngine.ts); the package does
    // not start one. docker.io brings the CLI the tests create containers with.
    name: "Docker Engine and CLI (Docker discovery tests)",
    present: () => onPath("dockerd") && onPath("docker"),
    debianPackages: ["docker.io"]
  },
  {
    // The image test (test/cli/DockerImage.e2e.test.ts) bootstraps its Debian base image: Docker
    // Hub is not reachable from the test machines, the Debian mirror is.
    name: "mmdebstrap (a Debian rootfs for the Docker image test)",
    present: () => onPath("mmdebstrap"),
    debianPackages: ["mmdebstrap"]
  },
  {
    // WebAssembly plugins in C (examples/wasm, the hostile test plugins). The JavaScript ones are
    // built with componentize-js, an npm devDependency.
    name: "clang for wasm32 with wasi-libc (C WebAssembly plugins)",
    present: wasiClangReady,
    debianPackages: ["clang-19", "lld-19", "libclang-rt-19-dev-wasm32", "wasi-libc"]
  }
]

const missing = peers.filter((p) => !p.present())
if (missing.length > 0) {
  const packages = missing.flatMap((p) => p.debianPackages)
  const isRoot = process.getuid?.() === 0
  if (!isRoot || !onPath("apt-get")) {
    console.error(`Missing test peers: ${missing.map((p) => p.name).join("; ")}.`)
    console.error(`Install them with: apt-get install -y ${packages.join(" ")}`)
    process.exit(1)
  }
  console.log(`installing test peers: ${packages.join(" ")}`)
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env })
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { stdio: "inherit", env })
  const still = peers.filter((p) => !p.present())
  if (still.length > 0) {
    console.error(`Still missing after apt-get: ${still.map((p) => p.name).join("; ")}`)
    process.exit(1)
  }
}
