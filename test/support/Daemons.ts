/**
 * Real third-party daemons for tests (HAProxy, nginx), run in the foreground from a temporary
 * directory and stopped with the test's scope (ports for their configs: Ports.ts). Their
 * output is captured so tests can assert on what the daemon itself logged (e.g. the client
 * address HAProxy parsed from our PROXY header, or that it logged no PROXY error at all).
 */
import { Effect, type Scope } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { encodeProxyHeaderV2Local } from "../../src/proxy-protocol/ProxyHeader.ts"
import { nginxStreamPreamble } from "./Peers.ts"
import { waitForPort } from "./Ports.ts"
import { ensureSbinOnPath } from "./SystemPath.ts"

ensureSbinOnPath()

export interface Daemon {
  readonly dir: string
  /** Everything the daemon printed so far (stdout and stderr). */
  readonly output: () => string
}

const run = (
  command: string,
  args: (dir: string) => ReadonlyArray<string>,
  files: (dir: string) => Record<string, string>,
  ports: ReadonlyArray<number>,
  greeting?: Uint8Array
): Effect.Effect<Daemon, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => {
        const dir = mkdtempSync(join(tmpdir(), `infrarust-ts-${command}-`))
        for (const [name, text] of Object.entries(files(dir))) writeFileSync(join(dir, name), text)
        let output = ""
        const child = spawn(command, [...args(dir)], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
        child.stdout.on("data", (c: Buffer) => (output += c.toString()))
        child.stderr.on("data", (c: Buffer) => (output += c.toString()))
        const exited = new Promise<never>((_, reject) =>
          child.once("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)))
        )
        return Promise.race([Promise.all(ports.map((p) => waitForPort(p, 5000, { greeting }))), exited])
          .then(() => ({ dir, child, output: () => output }))
          .catch((error: unknown) => {
            child.kill("SIGKILL")
            rmSync(dir, { recursive: true, force: true })
            return Promise.reject(error)
          })
      },
      catch: (e) => (e instanceof Error ? e : new Error(String(e)))
    }),
    ({ child, dir }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once("exit", () => resolve())
          child.kill("SIGTERM")
          setTimeout(() => child.kill("SIGKILL"), 2000)
        })
      ).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  ).pipe(Effect.map(({ dir, output }) => ({ dir, output })))

/**
 * HAProxy 2.6 in the foreground (`-db`) with `config`; it is ready once each of `ports` accepts
 * a connection. For `accept-proxy` frontends pass `probe: "proxy-v2-local"`: each readiness probe
 * then opens with a PROXY v2 LOCAL header, so HAProxy logs no PROXY error for it (a bare connect
 * would make it log "Connection closed while waiting for PROXY protocol header").
 */
export const haproxy = (
  config: string,
  ports: ReadonlyArray<number>,
  options: { readonly probe?: "connect" | "proxy-v2-local" } = {}
) =>
  run(
    "haproxy",
    (dir) => ["-db", "-f", join(dir, "haproxy.cfg")],
    () => ({ "haproxy.cfg": config }),
    ports,
    options.probe === "proxy-v2-local" ? encodeProxyHeaderV2Local() : undefined
  )

/** nginx with the stream module, in the foreground; `stream` is the body of its `stream {}` block. */
export const nginx = (stream: string, ports: ReadonlyArray<number>) =>
  run(
    "nginx",
    (dir) => ["-c", join(dir, "nginx.conf"), "-p", dir + "/"],
    (dir) => ({
      "nginx.conf": [
        ...nginxStreamPreamble(),
        "worker_processes 1;",
        "daemon off;",
        `pid ${join(dir, "nginx.pid")};`,
        `error_log ${join(dir, "error.log")} info;`,
        "events { worker_connections 256; }",
        `stream {\n${stream}\n}`,
        ""
      ].join("\n")
    }),
    ports
  )
