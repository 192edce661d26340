/**
 * Servers created through the admin API (`POST /api/v1/servers`), kept in
 * `<plugins_dir>/admin_api/servers.json` as Infrarust keeps them, and routed exactly like the
 * servers of `servers_dir`: each record is decoded by the same schema and cross-key rules as a
 * server file (ConfigLoader.parseServerTable), so the API can never route something a file could
 * not say.
 *
 * The file is replaced whole (temp file, fsync, rename), so a crash leaves the old or the new
 * list, never a torn one. {@link ServersDirectory} holds the list and serialises writes.
 */
import { Effect, FileSystem, Option, Result, Schema } from "effect"
import * as NodePath from "node:path"
import { type ConfigError, fileError } from "./ConfigError.ts"
import { type LoadedServer, parseServerTable } from "./ConfigLoader.ts"
import { ProxyMode } from "./ServerConfig.ts"

/** The file's name; its path is `<plugins_dir>/admin_api/servers.json`. */
export const API_SERVERS_FILE = "servers.json"

export const apiServersPath = (pluginsDir: string): string => NodePath.join(pluginsDir, "admin_api", API_SERVERS_FILE)

/** One API-created server as stored (the keys a server file would use). */
export const ApiServerRecord = Schema.Struct({
  id: Schema.String,
  domains: Schema.Array(Schema.String),
  addresses: Schema.Array(Schema.String),
  proxy_mode: ProxyMode,
  limbo_handlers: Schema.Array(Schema.String)
})
export type ApiServerRecord = typeof ApiServerRecord.Type

const ApiServersFile = Schema.Struct({ servers: Schema.Array(ApiServerRecord) })

/** The server a record describes, checked like a file; the error names `servers.json` and the key. */
export const toLoadedServer = (record: ApiServerRecord, path: string): Result.Result<LoadedServer, ConfigError> =>
  Result.map(parseServerTable({ ...record }, `${path} (server "${record.id}")`, record.id), (parsed) => ({
    id: record.id,
    file: API_SERVERS_FILE,
    path,
    config: parsed.config
  }))

export const encodeApiServers = (records: ReadonlyArray<ApiServerRecord>): string =>
  `${JSON.stringify({ servers: records }, null, 2)}\n`

/** The records of a file's text; a file that is not the documented JSON is a ConfigError. */
export const decodeApiServers = (text: string, path: string): Result.Result<ReadonlyArray<ApiServerRecord>, ConfigError> => {
  const decoded = Schema.decodeUnknownResult(Schema.fromJsonString(ApiServersFile))(text)
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success.servers)
    : Result.fail(fileError(path, "InvalidValue", `not a servers.json file: ${decoded.failure.message}`))
}

/** The records on disk; a missing file is an empty list. */
export const readApiServers = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(
    Effect.map(Option.some),
    Effect.catch((e) =>
      e.reason._tag === "NotFound" ? Effect.succeedNone : Effect.fail(fileError(path, "Unreadable", `cannot read the file: ${e.message}`))
    )
  )
  if (Option.isNone(text)) return [] as ReadonlyArray<ApiServerRecord>
  return yield* Effect.fromResult(decodeApiServers(text.value, path))
})

/** Replaces the file atomically (temp file, fsync, rename), creating its directory if needed. */
export const writeApiServers = Effect.fnUntraced(function*(path: string, records: ReadonlyArray<ApiServerRecord>) {
  const fs = yield* FileSystem.FileSystem
  const temp = `${path}.tmp`
  const failed = (e: { readonly message: string }) => fileError(path, "Unreadable", `cannot write the file: ${e.message}`)
  yield* fs.makeDirectory(NodePath.dirname(path), { recursive: true }).pipe(Effect.mapError(failed))
  yield* Effect.scoped(Effect.gen(function*() {
    const file = yield* fs.open(temp, { flag: "w", mode: 0o644 })
    yield* file.writeAll(new TextEncoder().encode(encodeApiServers(records)))
    yield* file.sync
  })).pipe(Effect.mapError(failed))
  yield* fs.rename(temp, path).pipe(Effect.mapError(failed))
})
