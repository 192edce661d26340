/**
 * The favicon table: every `favicon` value of `[default_motd.*]` and the servers' `[motd.*]`,
 * loaded into data URIs once per configuration change (files are read then, never per ping).
 *
 * A value that cannot be used is logged once per reload at WARN, naming the value, what is
 * wrong and where it is configured; it is then left out of the server list (the backend's
 * own favicon, if any, shows instead). Never is a raw path sent to a client.
 */
import { Effect, FileSystem, Result } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { motdStates } from "../config/MotdConfig.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { loadFavicon } from "./Favicon.ts"

/** Configured value → data URI (undefined when it could not be loaded). */
export type FaviconTable = ReadonlyMap<string, string | undefined>

export const EMPTY_FAVICONS: FaviconTable = new Map()

/** Every configured favicon value, with the places it is configured in. */
export const faviconUses = (config: ProxyConfig, servers: ReadonlyArray<LoadedServer>): Map<string, Array<string>> => {
  const uses = new Map<string, Array<string>>()
  const add = (value: string | undefined, where: string) => {
    if (value === undefined) return
    const list = uses.get(value)
    if (list === undefined) uses.set(value, [where])
    else list.push(where)
  }
  for (const state of motdStates) add(config.defaultMotd?.[state]?.favicon, `[default_motd.${state}]`)
  for (const server of servers) {
    for (const state of motdStates) add(server.config.motd[state]?.favicon, `[motd.${state}] of ${server.path}`)
  }
  return uses
}

/** Loads every value of `uses` (file paths relative to `base`); failures are logged and stored as undefined. */
export const loadFaviconTable = (uses: ReadonlyMap<string, ReadonlyArray<string>>, base?: string) =>
  Effect.gen(function*() {
    const table = new Map<string, string | undefined>()
    for (const [value, where] of uses) {
      const loaded = yield* Effect.result(loadFavicon(value, base))
      if (Result.isSuccess(loaded)) {
        table.set(value, loaded.success)
      } else {
        table.set(value, undefined)
        yield* Effect.logWarning(`${loaded.failure.message} (in ${where.join(", ")}); the favicon is left out of the server list`)
      }
    }
    return table as FaviconTable
  }) satisfies Effect.Effect<FaviconTable, never, FileSystem.FileSystem>
