/**
 * The lines printed at start-up so an operator sees at once what the proxy will do: where it
 * listens, a warning for an open PROXY protocol, and each server with its domains, backend
 * addresses and mode. Said once per process, whether one thread accepts or several workers.
 */
import { Effect } from "effect"
import type { LoadedServer } from "./config/ConfigLoader.ts"
import type { ProxyConfig } from "./config/ProxyConfig.ts"
import type { RoutingTable } from "./routing/RoutingTable.ts"

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

/** Logs that the proxy is listening on `host:port` (`suffix` e.g. names the workers). */
export const announceListening = (
  host: string,
  port: number,
  config: ProxyConfig,
  table: RoutingTable<LoadedServer>,
  suffix = ""
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const shown = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`
    yield* Effect.logInfo(`listening on ${shown}${suffix}`)
    if (config.receiveProxyProtocol && config.trustedProxies.length === 0) {
      yield* Effect.logWarning(
        "receive_proxy_protocol is on and trusted_proxies is empty: any client can claim any address with a forged PROXY header. List your load balancers in trusted_proxies."
      )
    }
    for (const line of describeServers(table)) yield* Effect.logInfo(line)
  })
