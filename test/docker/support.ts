/**
 * Containers for the Docker tests: each runs the suite's managed Minecraft server
 * (test/support/ManagedMcServer.ts, a real minecraft-protocol server) with Node 24 from the
 * repository, on the host network at a loopback port, created with the docker CLI (a peer
 * independent of the proxy's own Engine client). The labels of docs/docker.md's compose example
 * are read from the page, so the documented labels are the tested ones.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readLaunches } from "../server-manager/support/Processes.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { BASE_IMAGE, type DockerEngine, NODE, REPO } from "../support/DockerEngine.ts"

export const VERSION = "1.20.4"
const SERVER_SCRIPT = join(REPO, "test/support/ManagedMcServer.ts")

export interface McContainer {
  readonly name: string
  readonly port: number
  /** How many times the server process was launched in it. */
  readonly launches: () => number
  readonly cleanup: () => void
}

export interface ContainerSpec {
  readonly name: string
  readonly port: number
  readonly labels: ReadonlyArray<string>
  /** `docker run` (default) or only `docker create`. */
  readonly start?: boolean
  readonly restart?: "no" | "always"
  /** A HEALTHCHECK command run with the host's bash (checked every 200 ms). */
  readonly health?: string
  /** Another command instead of the Minecraft server. */
  readonly command?: ReadonlyArray<string>
}

/** Creates (and by default starts) a container serving Minecraft on 127.0.0.1:`port`. */
export const mcContainer = (engine: DockerEngine, spec: ContainerSpec): McContainer => {
  const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-container-"))
  const launchFile = join(dir, "launches.txt")
  // Node's compile cache, shared by the containers of the run: later ones start faster.
  const cache = join(engine.dir, "node-compile-cache")
  mkdirSync(cache, { recursive: true })
  engine.cli([
    "create", "--name", spec.name, "--network", "host", "--restart", spec.restart ?? "no",
    ...spec.labels.flatMap((l) => ["--label", l]),
    ...(spec.health === undefined ? [] : ["--health-cmd", spec.health, "--health-interval", "200ms", "--health-retries", "1"]),
    ...[...engine.mounts, `${dir}:${dir}`, `${cache}:${cache}`].flatMap((m) => ["-v", m]),
    "-e", `NODE_COMPILE_CACHE=${cache}`,
    BASE_IMAGE,
    ...(spec.command ?? [NODE, SERVER_SCRIPT, "--port", String(spec.port), "--version", VERSION, "--launches", launchFile])
  ])
  if (spec.start !== false) engine.cli(["start", spec.name])
  return {
    name: spec.name,
    port: spec.port,
    launches: () => readLaunches(launchFile).servers.length,
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** A health check that passes once something accepts connections on 127.0.0.1:`port` (bash's /dev/tcp). */
export const portCheck = (port: number): string => `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}'`

/** The state of a container as `docker inspect` says (running, exited, ...). */
export const containerState = (engine: DockerEngine, name: string): string => engine.cli(["inspect", "-f", "{{.State.Status}}", name])

/** The `labels:` list of one service of the compose example in docs/docker.md. */
export const composeLabels = (service: string): ReadonlyArray<string> => {
  const lines = docBlock("docker.md", "compose").split("\n")
  const start = lines.findIndex((l) => l.trimEnd() === `  ${service}:`)
  if (start === -1) throw new Error(`docs/docker.md: no service ${service} in the compose example`)
  const labelsAt = lines.findIndex((l, i) => i > start && l.trim() === "labels:")
  const out: Array<string> = []
  for (const line of lines.slice(labelsAt + 1)) {
    const item = /^\s+- (.+)$/.exec(line)
    if (item === null) break
    out.push(item[1]!.trim())
  }
  if (out.length === 0) throw new Error(`docs/docker.md: service ${service} has no labels`)
  return out
}

/** `labels` with the value of `key` replaced (or added). */
export const withLabel = (labels: ReadonlyArray<string>, key: string, value: string): ReadonlyArray<string> => [
  ...labels.filter((l) => !l.startsWith(`${key}=`)),
  `${key}=${value}`
]

/** The value of a label in a list. */
export const labelValue = (labels: ReadonlyArray<string>, key: string): string => {
  const found = labels.find((l) => l.startsWith(`${key}=`))
  if (found === undefined) throw new Error(`no ${key} label`)
  return found.slice(key.length + 1)
}
