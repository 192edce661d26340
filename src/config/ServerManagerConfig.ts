/**
 * `[server_manager]` in a server file: who starts and stops the backend on demand. Internally
 * tagged on `type`, as Infrarust's serde enum: `local` (a child process), `pterodactyl` or
 * `crafty` (panel APIs with the same keys), and infrarust-ts's `docker` (a container).
 */
import { Schema } from "effect"
import { DockerEndpointText } from "./DockerEndpoint.ts"
import { HumanDuration } from "./HumanDuration.ts"
import { NonBlank, Str, StringList, table, withDefault } from "./TomlSchema.ts"

/**
 * How a login waits for a server that is not online (infrarust-ts keys; Infrarust holds the login
 * for all of `start_timeout`, past the client's own 30 s login timeout): at most `login_wait`
 * (capped at 28 s, under that timeout), then the player reads `starting_message` and the start
 * goes on without them.
 */
const wakeFields = {
  loginWait: withDefault(HumanDuration, "25s"),
  startingMessage: withDefault(Str, "The server is starting. Please join again in a moment.")
}

const panel = <T extends "pterodactyl" | "crafty">(type: T) =>
  table({
    ...wakeFields,
    type: Schema.Literal(type),
    apiUrl: Str,
    apiKey: Str,
    serverId: Str,
    /** Idle time before the server is stopped; absent = never. */
    shutdownAfter: Schema.optionalKey(HumanDuration),
    startTimeout: withDefault(HumanDuration, "60s"),
    pollInterval: withDefault(HumanDuration, "5s")
  })

export const LocalManagerConfig = table({
  ...wakeFields,
  type: Schema.Literal("local"),
  command: Str,
  /** A relative path is relative to the directory of infrarust.toml (ConfigPaths.ts). */
  workingDir: Str,
  args: withDefault(StringList, []),
  /** Substring of a stdout line that means the server is up. */
  readyPattern: withDefault(Str, `For help, type "help"`),
  shutdownTimeout: withDefault(HumanDuration, "30s"),
  shutdownAfter: Schema.optionalKey(HumanDuration),
  startTimeout: withDefault(HumanDuration, "60s")
})

export const PterodactylManagerConfig = panel("pterodactyl")
export const CraftyManagerConfig = panel("crafty")

/**
 * infrarust-ts: a Docker container started and stopped through the Engine API
 * (src/server-manager/DockerProvider.ts). Docker discovery writes this table for a container
 * labelled `infrarust.server_manager=docker` (src/docker/ContainerLabels.ts).
 */
export const DockerManagerConfig = table({
  ...wakeFields,
  type: Schema.Literal("docker"),
  /** The container's name or id. */
  container: NonBlank,
  /** Absent = `[docker] endpoint`, else `DOCKER_HOST`, else `unix:///var/run/docker.sock`. */
  endpoint: Schema.optionalKey(DockerEndpointText),
  shutdownAfter: Schema.optionalKey(HumanDuration),
  startTimeout: withDefault(HumanDuration, "60s"),
  /** The Engine is local and cheap to ask: polled every second while starting or stopping, 6 s otherwise. */
  pollInterval: withDefault(HumanDuration, "1s"),
  /** Grace between SIGTERM and SIGKILL on stop; absent = the container's own (Docker's default: 10 s). */
  stopTimeout: Schema.optionalKey(HumanDuration)
})
export type DockerManagerConfig = typeof DockerManagerConfig.Type

export const ServerManagerConfig = Schema.Union([
  LocalManagerConfig,
  PterodactylManagerConfig,
  CraftyManagerConfig,
  DockerManagerConfig
])
export type ServerManagerConfig = typeof ServerManagerConfig.Type
