/**
 * Where the paths of `infrarust.toml` point: a relative `servers_dir`, `plugins_dir`, `[ban] file`,
 * `[forwarding] secret_file` or `[plugins.<id>] path` is resolved against the directory of the
 * config file, not the process's working directory (Infrarust uses the working directory).
 *
 * Why: `infrarust-ts -c /etc/infrarust/infrarust.toml` started by npm, systemd or a shell in
 * another directory must serve /etc/infrarust/servers, never whatever `./servers` happens to be
 * where it was started. Every path leaves here absolute, so the logs name the real place.
 * A server file's `[server_manager] working_dir` is resolved the same way (against the directory of
 * infrarust.toml, not of the server file: one rule for every path). Favicons are resolved when they
 * are read (status/Favicon.ts), with {@link configDirectory}.
 */
import * as NodePath from "node:path"
import type { ProxyConfig } from "./ProxyConfig.ts"
import type { ServerConfig } from "./ServerConfig.ts"

/** The absolute directory of the config file `configPath` (itself relative to the working directory). */
export const configDirectory = (configPath: string): string => NodePath.dirname(NodePath.resolve(configPath))

/** `path` made absolute against `base` (already absolute paths are only normalised). */
export const resolveAgainst = (base: string, path: string): string => NodePath.resolve(base, path)

/** The config with every path key absolute, resolved against `base` (the config file's directory). */
export const resolveConfigPaths = (config: ProxyConfig, base: string): ProxyConfig => {
  const plugins: Record<string, ProxyConfig["plugins"][string]> = {}
  for (const [id, entry] of Object.entries(config.plugins)) {
    plugins[id] = entry.path === undefined ? entry : { ...entry, path: resolveAgainst(base, entry.path) }
  }
  return {
    ...config,
    serversDir: resolveAgainst(base, config.serversDir),
    pluginsDir: resolveAgainst(base, config.pluginsDir),
    ban: { ...config.ban, file: resolveAgainst(base, config.ban.file) },
    plugins,
    ...(config.forwarding === undefined
      ? {}
      : { forwarding: { ...config.forwarding, secretFile: resolveAgainst(base, config.forwarding.secretFile) } })
  }
}

/** A server file's config with its `[server_manager] working_dir` absolute, resolved against `base`. */
export const resolveServerPaths = (config: ServerConfig, base: string): ServerConfig => {
  const manager = config.serverManager
  if (manager === undefined || manager.type !== "local") return config
  return { ...config, serverManager: { ...manager, workingDir: resolveAgainst(base, manager.workingDir) } }
}
