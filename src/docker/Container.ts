/**
 * What the proxy reads about a container from the Engine API: the parts of `GET
 * /containers/{id}/json` (inspect), `GET /containers/json` (list) and `GET /events` it uses,
 * as schemas (every other field is ignored), and {@link Container}, the plain view the pure
 * label and address code works on.
 *
 * The Engine writes `null` for empty maps and lists in places (`Labels`, `Networks`, `Ports`,
 * a port's bindings), so those accept null.
 */
import { Schema } from "effect"

const Labels = Schema.NullOr(Schema.Record(Schema.String, Schema.String))

const PortBinding = Schema.Struct({
  HostIp: Schema.optionalKey(Schema.String),
  HostPort: Schema.optionalKey(Schema.String)
})
/** `"25565/tcp" → [{HostIp, HostPort}]`. */
const PortMap = Schema.NullOr(Schema.Record(Schema.String, Schema.NullOr(Schema.Array(PortBinding))))

export const ContainerInspect = Schema.Struct({
  Id: Schema.String,
  /** With a leading `/`. */
  Name: Schema.String,
  State: Schema.Struct({
    Status: Schema.String,
    Running: Schema.Boolean,
    Paused: Schema.Boolean,
    Restarting: Schema.optionalKey(Schema.Boolean),
    OOMKilled: Schema.optionalKey(Schema.Boolean),
    ExitCode: Schema.optionalKey(Schema.Number),
    StartedAt: Schema.optionalKey(Schema.String),
    Health: Schema.optionalKey(Schema.NullOr(Schema.Struct({ Status: Schema.String })))
  }),
  Config: Schema.Struct({
    Labels: Schema.optionalKey(Labels),
    StopTimeout: Schema.optionalKey(Schema.NullOr(Schema.Number))
  }),
  HostConfig: Schema.optionalKey(Schema.Struct({
    NetworkMode: Schema.optionalKey(Schema.String),
    PortBindings: Schema.optionalKey(PortMap)
  })),
  NetworkSettings: Schema.optionalKey(Schema.NullOr(Schema.Struct({
    Networks: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.NullOr(Schema.Struct({
      IPAddress: Schema.optionalKey(Schema.String)
    }))))),
    Ports: Schema.optionalKey(PortMap)
  })))
})
export type ContainerInspect = typeof ContainerInspect.Type

/** One entry of `GET /containers/json`: only the id is needed (each is inspected). */
export const ContainerSummary = Schema.Struct({ Id: Schema.String })
export const ContainerList = Schema.Array(ContainerSummary)

/** One line of `GET /events` (container events). */
export const EngineEvent = Schema.Struct({
  Type: Schema.optionalKey(Schema.String),
  Action: Schema.optionalKey(Schema.String),
  Actor: Schema.optionalKey(Schema.Struct({ ID: Schema.String }))
})
export type EngineEvent = typeof EngineEvent.Type

export interface HostBinding {
  readonly hostIp: string
  readonly hostPort: string
}

/** A container as the pure code sees it. */
export interface Container {
  readonly id: string
  /** Without the leading `/`. */
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  /** The Engine's state: created, running, paused, restarting, removing, exited, dead. */
  readonly status: string
  readonly running: boolean
  readonly paused: boolean
  readonly exitCode: number
  readonly oomKilled: boolean
  /** When the current (or last) run began, as the Engine writes it; identifies a run. */
  readonly startedAt: string
  /** `healthy`, `unhealthy`, `starting`; undefined without a HEALTHCHECK. */
  readonly health: string | undefined
  /** `host`, `bridge`, `none`, a network name, `container:<id>`. */
  readonly networkMode: string
  /** Network name → IP address (empty while stopped, and for the host network). */
  readonly networks: Readonly<Record<string, string>>
  /** `"25565/tcp"` → bindings: the live ones while running, else the configured ones. */
  readonly ports: Readonly<Record<string, ReadonlyArray<HostBinding>>>
  /** The container's StopTimeout in seconds, when it sets one. */
  readonly stopTimeout: number | undefined
}

const bindings = (map: typeof PortMap.Type | undefined): Record<string, ReadonlyArray<HostBinding>> => {
  const out: Record<string, ReadonlyArray<HostBinding>> = {}
  for (const [port, list] of Object.entries(map ?? {})) {
    out[port] = (list ?? []).map((b) => ({ hostIp: b.HostIp ?? "", hostPort: b.HostPort ?? "" }))
  }
  return out
}

export const containerOf = (inspect: ContainerInspect): Container => {
  const networks: Record<string, string> = {}
  for (const [name, network] of Object.entries(inspect.NetworkSettings?.Networks ?? {})) {
    networks[name] = network?.IPAddress ?? ""
  }
  const live = bindings(inspect.NetworkSettings?.Ports ?? undefined)
  return {
    id: inspect.Id,
    name: inspect.Name.replace(/^\//, ""),
    labels: inspect.Config.Labels ?? {},
    status: inspect.State.Status,
    running: inspect.State.Running,
    paused: inspect.State.Paused,
    exitCode: inspect.State.ExitCode ?? 0,
    oomKilled: inspect.State.OOMKilled ?? false,
    startedAt: inspect.State.StartedAt ?? "",
    health: inspect.State.Health?.Status,
    networkMode: inspect.HostConfig?.NetworkMode ?? "default",
    networks,
    // A stopped container has no live bindings; its configured ones say where it will listen.
    ports: Object.values(live).some((l) => l.length > 0) ? live : bindings(inspect.HostConfig?.PortBindings ?? undefined),
    stopTimeout: inspect.Config.StopTimeout ?? undefined
  }
}
