/**
 * A container's `infrarust.*` labels as a server (reference §1.5), decoded by the very schema
 * and cross-key rules of a `servers/*.toml` file (ConfigLoader.parseServerTable): labels are
 * turned into the table a file would hold, so nothing a label says can mean more or less than
 * the same key in a file. Infrarust builds TOML text with the mode in Debug format, which never
 * parses, and silently falls back to a config without the MOTD (§1.5 [BUG]); here a label that
 * is wrong is an error naming the container and the label.
 *
 * Which containers are servers: `infrarust.enable=true`, and running (not paused), or managed
 * (`infrarust.server_manager=docker`): a managed container is routed while stopped, so that a
 * login can start it. Unknown `infrarust.*` labels are errors, as unknown keys in a file are.
 */
import { Result, Schema } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { parseServerTable } from "../config/ConfigLoader.ts"
import { DEFAULT_MINECRAFT_PORT } from "../config/HostPort.ts"
import { type ResolvedAddress, resolveAddress } from "./ContainerAddress.ts"
import type { Container } from "./Container.ts"

export const LABEL = {
  enable: "infrarust.enable",
  domains: "infrarust.domains",
  port: "infrarust.port",
  proxyMode: "infrarust.proxy_mode",
  sendProxyProtocol: "infrarust.send_proxy_protocol",
  name: "infrarust.name",
  network: "infrarust.network",
  motdText: "infrarust.motd.text",
  serverManager: "infrarust.server_manager"
} as const

/** `infrarust.server_manager.<key>`: the `[server_manager]` keys a label may set (type and container are the container's). */
export const MANAGER_KEYS = ["shutdown_after", "start_timeout", "poll_interval", "stop_timeout", "login_wait", "starting_message"] as const

const KNOWN = new Set<string>([...Object.values(LABEL), ...MANAGER_KEYS.map((k) => `${LABEL.serverManager}.${k}`)])

/** Infrarust's default domain for a container without `infrarust.domains`. */
export const defaultDomain = (containerName: string): string => `${containerName}.docker.local`

/** Where a discovered server comes from, in logs and routing ties: Infrarust's provider id. */
export const sourceOf = (containerName: string): string => `docker@${containerName}`

export const LabelProblem = Schema.Struct({ label: Schema.String, detail: Schema.String })
export type LabelProblem = typeof LabelProblem.Type

export class ContainerLabelError extends Schema.TaggedError<ContainerLabelError>()("ContainerLabelError", {
  container: Schema.String,
  problems: Schema.Array(LabelProblem)
}) {
  override get message(): string {
    return this.problems.map((p) => `docker container '${this.container}': label ${p.label}: ${p.detail}`).join("\n")
  }
}

export type Discovery =
  | { readonly _tag: "Routed"; readonly server: LoadedServer; readonly address: ResolvedAddress }
  /** Not a server now: not enabled, or stopped and not managed. */
  | { readonly _tag: "Ignored"; readonly reason: string }

export interface DiscoveryOptions {
  /** `[docker] network`. */
  readonly network?: string | undefined
  /** The Engine endpoint, written into a managed container's `[server_manager]`. */
  readonly endpoint: string
  readonly platform?: string | undefined
}

/** The table key a schema problem's path starts with → the label that set it. */
const labelOfPath = (path: string): string => {
  const root = path.split(/[.[]/)[0] ?? ""
  switch (root) {
    case "addresses":
      return LABEL.port
    case "motd":
      return LABEL.motdText
    case "server_manager": {
      const key = path.split(".")[1]
      return key === undefined || key === "type" ? LABEL.serverManager : `${LABEL.serverManager}.${key.replace(/\[.*$/, "")}`
    }
    default:
      return root === "" ? LABEL.enable : `infrarust.${root}`
  }
}

const parsePort = (text: string | undefined): number | string => {
  if (text === undefined) return DEFAULT_MINECRAFT_PORT
  const port = Number(text.trim())
  return /^\s*\d{1,5}\s*$/.test(text) && port >= 1 && port <= 65535 ? port : `expected a port from 1 to 65535, got ${JSON.stringify(text)}`
}

const parseFlag = (text: string | undefined): boolean | string => {
  if (text === undefined) return false
  const value = text.trim().toLowerCase()
  if (value === "true" || value === "1") return true
  if (value === "false" || value === "0") return false
  return `expected "true", "1", "false" or "0", got ${JSON.stringify(text)}`
}

/** The container's server, or why it is not one; wrong labels are an error naming each. */
export const discoverServer = (container: Container, options: DiscoveryOptions): Result.Result<Discovery, ContainerLabelError> => {
  const labels = container.labels
  if (labels[LABEL.enable] !== "true") return Result.succeed({ _tag: "Ignored", reason: `${LABEL.enable} is not "true"` })
  const manager = labels[LABEL.serverManager]
  if (manager === undefined && !(container.running && !container.paused)) {
    return Result.succeed({ _tag: "Ignored", reason: container.paused ? "paused" : `not running (${container.status})` })
  }
  const problems: Array<LabelProblem> = []
  for (const key of Object.keys(labels).sort()) {
    if (key.startsWith("infrarust.") && !KNOWN.has(key)) problems.push({ label: key, detail: "unknown label" })
  }
  if (manager !== undefined && manager !== "docker") {
    problems.push({ label: LABEL.serverManager, detail: `expected "docker", got ${JSON.stringify(manager)}` })
  }
  const port = parsePort(labels[LABEL.port])
  if (typeof port === "string") problems.push({ label: LABEL.port, detail: port })
  const proxyProtocol = parseFlag(labels[LABEL.sendProxyProtocol])
  if (typeof proxyProtocol === "string") problems.push({ label: LABEL.sendProxyProtocol, detail: proxyProtocol })
  const domainsLabel = labels[LABEL.domains]
  const domains = domainsLabel === undefined
    ? [defaultDomain(container.name)]
    : domainsLabel.split(",").map((d) => d.trim()).filter((d) => d.length > 0)
  if (domains.length === 0) problems.push({ label: LABEL.domains, detail: `no domain in ${JSON.stringify(domainsLabel)}` })
  const fail = (list: ReadonlyArray<LabelProblem>) => Result.fail(new ContainerLabelError({ container: container.name, problems: list }))
  if (problems.length > 0 || typeof port === "string" || typeof proxyProtocol === "string") return fail(problems)

  const address = resolveAddress(container, port, options.network)
  const table: Record<string, unknown> = {
    domains,
    addresses: [address.text],
    send_proxy_protocol: proxyProtocol
  }
  const copy = (label: string, key: string) => {
    const value = labels[label]
    if (value !== undefined) table[key] = value.trim()
  }
  copy(LABEL.name, "name")
  copy(LABEL.network, "network")
  copy(LABEL.proxyMode, "proxy_mode")
  if (labels[LABEL.motdText] !== undefined) table["motd"] = { online: { text: labels[LABEL.motdText] } }
  if (manager === "docker") {
    const managerTable: Record<string, unknown> = { type: "docker", container: container.name, endpoint: options.endpoint }
    for (const key of MANAGER_KEYS) {
      const value = labels[`${LABEL.serverManager}.${key}`]
      if (value !== undefined) managerTable[key] = value
    }
    table["server_manager"] = managerTable
  }
  const source = sourceOf(container.name)
  const parsed = parseServerTable(table, source, container.name, options.platform)
  if (Result.isFailure(parsed)) {
    return fail(parsed.failure.problems.map((p) => ({ label: labelOfPath(p.path), detail: p.detail })))
  }
  const server: LoadedServer = { id: parsed.success.id, file: source, path: source, config: parsed.success.config }
  return Result.succeed({ _tag: "Routed", server, address })
}
