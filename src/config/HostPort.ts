/**
 * `host:port` strings from the config files: backend addresses (`addresses = [...]`) and listen
 * addresses (`bind`, `[web] bind`, `[metrics] bind`), decoded to `{ host, port, text }`.
 *
 * Forms: `"host:port"`, `"1.2.3.4:port"`, `"[v6]:port"`, and for backends also a bare `"host"`,
 * `"1.2.3.4"` or `"[v6]"` meaning port 25565. Outside brackets the port is split off at the last
 * `:`. Where Infrarust is lenient by accident we reject, because the result is never what was
 * meant: `"host:abc"` (Infrarust: host `host:abc`, port 25565), `":25565"` (empty host) and an
 * IPv6 address without brackets (`"::1"` would be host `:` port 1).
 */
import { Result, Schema } from "effect"
import { formatIp, parseIp } from "../address/IpAddress.ts"
import { parsedString } from "./TomlSchema.ts"

/** The Minecraft default port, used when a backend address has none (`cfg/types/address.rs`). */
export const DEFAULT_MINECRAFT_PORT = 25565

export interface HostPort {
  /** Hostname or IP address; IPv6 without brackets, in canonical form. */
  readonly host: string
  readonly port: number
  /** The address exactly as written in the file, for logs and messages. */
  readonly text: string
}

const HostPortType = Schema.Struct({ host: Schema.String, port: Schema.Number, text: Schema.String })

/** `host:port`, with an IPv6 host in brackets (`[::1]:25565`), for logs and messages. */
export const formatHostPort = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

/** Parses a port: decimal digits only, within `min`-65535. */
const parsePort = (text: string, min: number): number | string => {
  if (text.length === 0) return "the port after ':' is missing"
  if (text.length > 5 || [...text].some((c) => c < "0" || c > "9")) return `"${text}" is not a port number`
  const port = Number(text)
  return port < min || port > 65535 ? `port ${port} is out of range (${min}-65535)` : port
}

/** Host names: letters, digits, `-`, `_` and `.` (underscores appear in Docker service names). */
const isHostName = (host: string): boolean =>
  host.length > 0 && host.length <= 253 &&
  [...host].every((c) =>
    (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "-" || c === "_" || c === "."
  )

export interface HostPortRules {
  /** Whether the port may be omitted (backends: yes, 25565; listen addresses: no). */
  readonly portOptional: boolean
  /** Whether the host must be an IP literal (listen addresses, as Rust's `SocketAddr`). */
  readonly ipOnly: boolean
  /** Lowest accepted port: 1 for backends, 0 for listen addresses (0 = any free port). */
  readonly minPort: number
}

/** Parses an address under `rules`; fails with the reason (without the input). */
export const parseHostPort = (text: string, rules: HostPortRules): Result.Result<HostPort, string> => {
  if (text.trim().length === 0) return Result.fail("the address is empty")
  if (text.trim() !== text) return Result.fail("the address has spaces around it")
  let hostText: string
  let portText: string | undefined
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    if (close === -1) return Result.fail(`"[" is not closed by "]"`)
    hostText = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest.length > 0 && !rest.startsWith(":")) return Result.fail(`expected ":port" after "]"`)
    portText = rest.length > 0 ? rest.slice(1) : undefined
    const ip = parseIp(hostText)
    if (Result.isFailure(ip) || ip.success.family !== 6) return Result.fail(`"${hostText}" is not an IPv6 address`)
    hostText = formatIp(ip.success)
  } else {
    const colon = text.lastIndexOf(":")
    hostText = colon === -1 ? text : text.slice(0, colon)
    portText = colon === -1 ? undefined : text.slice(colon + 1)
    if (hostText.includes(":")) return Result.fail(`an IPv6 address needs brackets, like "[::1]:25565"`)
    if (hostText.length === 0) return Result.fail("the host before ':' is missing")
    const ip = parseIp(hostText)
    if (Result.isSuccess(ip)) hostText = formatIp(ip.success)
    else if (rules.ipOnly || [...hostText].every((c) => c === "." || (c >= "0" && c <= "9"))) {
      return Result.fail(`"${hostText}" is not an IP address${rules.ipOnly ? " (a listen address needs one)" : ""}`)
    } else if (!isHostName(hostText)) return Result.fail(`"${hostText}" is not a valid host name`)
  }
  if (portText === undefined) {
    return rules.portOptional
      ? Result.succeed({ host: hostText, port: DEFAULT_MINECRAFT_PORT, text })
      : Result.fail("a port is required, like \"0.0.0.0:25565\"")
  }
  const port = parsePort(portText, rules.minPort)
  return typeof port === "string" ? Result.fail(port) : Result.succeed({ host: hostText, port, text })
}

const hostPortSchema = (rules: HostPortRules, expected: string) =>
  parsedString(HostPortType, expected, (text) => parseHostPort(text, rules), (address) => address.text)

/** A backend address: `"host:port"`, `"[v6]:port"` or `"host"` (port 25565). */
export const BackendAddress = hostPortSchema(
  { portOptional: true, ipOnly: false, minPort: 1 },
  `an address like "10.0.0.5:25565" or "mc.internal"`
)

/** A listen address: `"ip:port"` or `"[v6]:port"`; port 0 asks the OS for a free port. */
export const BindAddress = hostPortSchema(
  { portOptional: false, ipOnly: true, minPort: 0 },
  `a listen address like "0.0.0.0:25565" or "[::]:25565"`
)
