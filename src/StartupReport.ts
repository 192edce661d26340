/**
 * The lines printed at start-up so an operator sees at once what the proxy will do:
 * each server with its domains, backend addresses and mode.
 */
import type { LoadedServer } from "./config/ConfigLoader.ts"
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
