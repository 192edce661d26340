/**
 * Where the proxy reaches a container's Minecraft port (reference §1.5), first match wins:
 * 1. its IP on the preferred `[docker] network`;
 * 2. otherwise its IP on any network (by network name, so the choice is stable);
 * 3. otherwise the host port published for `<port>/tcp`, with `0.0.0.0`/`::`/empty mapped to
 *    127.0.0.1 (the proxy and the Engine share the host);
 * 4. infrarust-ts: otherwise, for a container on the host network, 127.0.0.1 (it shares the
 *    host's interfaces and has no IP of its own; Infrarust would fall through to the name);
 * 5. otherwise the container name (resolvable when the proxy runs on the same Docker network).
 * The container port is appended in every case but 3, which uses the published host port.
 */
import { formatHostPort } from "../config/HostPort.ts"
import type { Container } from "./Container.ts"

export interface ResolvedAddress {
  /** `host:port`, as a server file's `addresses` entry. */
  readonly text: string
  /** Which rule gave it, for logs. */
  readonly via: "network" | "published port" | "host network" | "container name"
}

const LOOPBACK = "127.0.0.1"
const WILDCARD_HOSTS = new Set(["", "0.0.0.0", "::"])

export const resolveAddress = (container: Container, port: number, preferredNetwork: string | undefined): ResolvedAddress => {
  const at = (host: string, p: number, via: ResolvedAddress["via"]): ResolvedAddress => ({ text: formatHostPort(host, p), via })
  const preferred = preferredNetwork === undefined ? undefined : container.networks[preferredNetwork]
  if (preferred !== undefined && preferred !== "") return at(preferred, port, "network")
  const anyIp = Object.keys(container.networks).sort().map((n) => container.networks[n]!).find((ip) => ip !== "")
  if (anyIp !== undefined) return at(anyIp, port, "network")
  const published = (container.ports[`${port}/tcp`] ?? []).find((b) => /^\d+$/.test(b.hostPort) && Number(b.hostPort) > 0)
  if (published !== undefined) {
    const host = WILDCARD_HOSTS.has(published.hostIp) ? LOOPBACK : published.hostIp
    return at(host, Number(published.hostPort), "published port")
  }
  if (container.networkMode === "host") return at(LOOPBACK, port, "host network")
  return at(container.name, port, "container name")
}
