/**
 * Where the Docker Engine API listens, from `[docker] endpoint` (or a docker server manager's
 * `endpoint`): `unix:///path/to/docker.sock` or `tcp://host:port` (`http://` is the same).
 *
 * Used as written: Infrarust keeps only the scheme and then reads `DOCKER_HOST` or the default
 * socket (reference §1.3 [BUG]); here the path or host given is the one dialled. When no
 * endpoint is configured, `DOCKER_HOST` applies, else the default socket, as the docker CLI does.
 * TLS endpoints (`https://`, `DOCKER_TLS_VERIFY`) and Windows named pipes are refused with a
 * reason rather than dialled wrongly: in a config file that is a config error naming the key.
 */
import { Result, Schema } from "effect"
import { parseHostPort } from "./HostPort.ts"
import { Str } from "./TomlSchema.ts"

export const DEFAULT_ENDPOINT = "unix:///var/run/docker.sock"

/** The Engine's conventional plain-HTTP port (the docker CLI's default for `tcp://host`). */
const DEFAULT_TCP_PORT = 2375

export type EngineEndpoint =
  | { readonly _tag: "Unix"; readonly path: string; readonly text: string }
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number; readonly text: string }

/** Parses an endpoint; fails with the reason, for a message that names where it was written. */
export const parseEndpoint = (text: string): Result.Result<EngineEndpoint, string> => {
  const trimmed = text.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)
  if (scheme === null) return Result.fail(`expected "unix:///path/to/docker.sock" or "tcp://host:port", got ${JSON.stringify(text)}`)
  const rest = trimmed.slice(scheme[0].length)
  switch (scheme[1]!.toLowerCase()) {
    case "unix":
      return rest.length > 0 && !rest.includes("\u0000")
        ? Result.succeed({ _tag: "Unix", path: rest, text: trimmed })
        : Result.fail(`the socket path after "unix://" is missing in ${JSON.stringify(text)}`)
    case "tcp":
    case "http": {
      // A trailing "/" is harmless; any other path would be silently ignored, so it is refused.
      const hostPort = rest.endsWith("/") ? rest.slice(0, -1) : rest
      if (hostPort.includes("/")) return Result.fail(`a path after the host is not supported in ${JSON.stringify(text)}`)
      const parsed = parseHostPort(hostPort, { portOptional: true, ipOnly: false, minPort: 1 })
      if (Result.isFailure(parsed)) return Result.fail(`${parsed.failure} in ${JSON.stringify(text)}`)
      const port = /:\d+$/.test(hostPort) ? parsed.success.port : DEFAULT_TCP_PORT
      return Result.succeed({ _tag: "Tcp", host: parsed.success.host, port, text: trimmed })
    }
    case "https":
      return Result.fail(`TLS endpoints are not supported (${JSON.stringify(text)}): use the unix socket or a plain TCP port on a trusted network`)
    case "npipe":
      return Result.fail(`Windows named pipes are not supported (${JSON.stringify(text)})`)
    default:
      return Result.fail(`unknown scheme "${scheme[1]}" in ${JSON.stringify(text)}: expected unix:// or tcp://`)
  }
}

/**
 * The endpoint to use: the configured one, else `DOCKER_HOST` (when set and not empty), else
 * the default socket. `dockerHost` is the environment's value (`process.env.DOCKER_HOST`).
 */
export const chooseEndpoint = (configured: string | undefined, dockerHost: string | undefined): string =>
  configured ?? (dockerHost !== undefined && dockerHost.trim() !== "" ? dockerHost.trim() : DEFAULT_ENDPOINT)

/** An endpoint as written in a config file (kept as text, checked by {@link parseEndpoint}). */
export const DockerEndpointText = Str.check(
  Schema.makeFilter((s: string) => {
    const parsed = parseEndpoint(s)
    return Result.isSuccess(parsed) || parsed.failure
  }, { expected: `an endpoint like "unix:///var/run/docker.sock" or "tcp://127.0.0.1:2375"` })
)
