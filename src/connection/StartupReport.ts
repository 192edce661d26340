/**
 * The lines printed at start-up so an operator sees at once what the proxy will do: where it
 * listens, a warning for an open PROXY protocol, and each server with its domains, backend
 * addresses and mode. Said once per process, whether one thread accepts or several workers.
 */
import { Effect } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { formatHostPort } from "../config/HostPort.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { RoutingTable } from "../routing/RoutingTable.ts"

export const describeServers = (table: RoutingTable<LoadedServer>): ReadonlyArray<string> => {
  if (table.entries.length === 0) return ["no servers loaded yet: add .toml files to the servers directory"]
  return [
    `loaded ${table.entries.length} server${table.entries.length === 1 ? "" : "s"}:`,
    ...table.entries.map((e) => {
      const c = e.value.config
      const addresses = c.addresses.map((a) => a.text).join(", ")
      return `  ${e.id} (${e.file}): ${c.domains.join(", ") || "(no domains)"} → ${addresses} [${c.proxyMode}]`
    })
  ]
}

/**
 * Infrarust settings that infrarust-ts reads and validates but does not act on yet: the
 * operator is told, rather than left to believe they work.
 */
export const inactiveSettings = (_config: ProxyConfig, table: RoutingTable<LoadedServer>): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const not = (what: string, why: string) => lines.push(`${what} is set but not implemented in infrarust-ts yet: ${why}`)
  for (const entry of table.entries) {
    const server = entry.value.config
    if (server.proxyMode === "full") not(`proxy_mode "full" of '${entry.id}'`, "it is relayed like passthrough, as Infrarust does")
  }
  return lines
}

/** Logs that the proxy is listening on `host:port` (`suffix` e.g. names the workers). */
export const announceListening = (
  host: string,
  port: number,
  config: ProxyConfig,
  table: RoutingTable<LoadedServer>,
  suffix = ""
): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* Effect.logInfo(`listening on ${formatHostPort(host, port)}${suffix}`)
    if (config.receiveProxyProtocol && config.trustedProxies.length === 0) {
      yield* Effect.logWarning(
        "receive_proxy_protocol is on and trusted_proxies is empty: any client can claim any address with a forged PROXY header. List your load balancers in trusted_proxies."
      )
    }
    for (const line of describeServers(table)) yield* Effect.logInfo(line)
    for (const line of inactiveSettings(config, table)) yield* Effect.logWarning(line)
  })
