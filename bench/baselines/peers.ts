/**
 * Baselines "haproxy" and "nginx": the L4 proxies people put in front of Minecraft, in TCP
 * mode, forwarding to the fake backend without parsing anything. Configurations follow
 * ../shared/docs/test-peers.md §3 (foreground, loopback), trimmed to one plain forwarder each,
 * with their usual defaults otherwise: HAProxy with its default thread count (one per CPU),
 * nginx with `worker_processes auto`; neither uses splice, neither logs per connection.
 * Timeouts are long so that the idle-memory phase's sessions stay open.
 *
 * When the binaries are missing the bench reports them as missing; `--install-peers` installs
 * them with `apt-get install -y haproxy nginx libnginx-mod-stream`.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { NGINX_STREAM_MODULE, nginxHasStream, nginxStreamPreamble } from "../../test/support/Peers.ts"

const firstLine = (cmd: string, args: Array<string>): string | undefined => {
  const r = spawnSync(cmd, args, { encoding: "utf8" })
  if (r.error !== undefined || r.status !== 0) return undefined
  return `${r.stdout}${r.stderr}`.split("\n").find((l) => l.trim() !== "")?.trim()
}

export interface Peers {
  /** e.g. "HAProxy version 2.6.12-1+deb12u4 ...", undefined when not installed. */
  readonly haproxy?: string | undefined
  /** e.g. "nginx version: nginx/1.22.1", undefined when nginx or its stream module is missing. */
  readonly nginx?: string | undefined
  readonly notes: Array<string>
}

export const detectPeers = (): Peers => {
  const notes: Array<string> = []
  const haproxy = firstLine("haproxy", ["-v"])
  if (haproxy === undefined) notes.push("haproxy: not installed (run with --install-peers)")
  let nginx = firstLine("nginx", ["-v"])
  if (nginx === undefined) notes.push("nginx: not installed (run with --install-peers)")
  else if (!nginxHasStream()) {
    notes.push(`nginx: no stream module (${NGINX_STREAM_MODULE} missing and not compiled in; package libnginx-mod-stream; run with --install-peers)`)
    nginx = undefined
  }
  return { haproxy, nginx, notes }
}

/** `apt-get install -y haproxy nginx libnginx-mod-stream` (after `apt-get update`); output goes to the terminal. */
export const installPeers = (): void => {
  const asRoot = process.getuid?.() === 0
  const apt = (args: Array<string>) => {
    const [cmd, argv] = asRoot ? ["apt-get", args] : ["sudo", ["apt-get", ...args]]
    execFileSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
  }
  apt(["update"])
  apt(["install", "-y", "haproxy", "nginx", "libnginx-mod-stream"])
}

/** Writes the HAProxy config; returns the command line that runs it in the foreground. */
export const haproxyCommand = (dir: string, listenPort: number, backendPort: number, maxConn: number): Array<string> => {
  const file = Path.join(dir, "haproxy.cfg")
  Fs.writeFileSync(
    file,
    `global
    maxconn ${maxConn}
defaults
    mode tcp
    timeout connect 5s
    timeout client 10m
    timeout server 10m
frontend fe
    bind 127.0.0.1:${listenPort}
    default_backend be
backend be
    server s1 127.0.0.1:${backendPort}
`
  )
  return ["haproxy", "-db", "-f", file]
}

/** Writes the nginx config; returns the command line (master + workers, foreground). */
export const nginxCommand = (dir: string, listenPort: number, backendPort: number, maxConn: number, fileLimit: number): Array<string> => {
  const file = Path.join(dir, "nginx.conf")
  Fs.writeFileSync(
    file,
    `${nginxStreamPreamble().map((line) => `${line}\n`).join("")}worker_processes auto;
worker_rlimit_nofile ${fileLimit};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections ${maxConn}; }
stream {
    server {
        listen 127.0.0.1:${listenPort} backlog=4096;
        proxy_pass 127.0.0.1:${backendPort};
        proxy_timeout 10m;
    }
}
`
  )
  return ["nginx", "-c", file, "-p", `${dir}/`, "-e", `${dir}/nginx-error.log`]
}
